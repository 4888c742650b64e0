// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.job;

import dev.hearth.core.InvalidInputException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One entry of a sandbox's egress allowlist: TCP to {@code target} on {@code port}, where the target is a DNS name
 * (resolved by the sandbox's own DNS forwarder), an IPv4 address or an IPv4 CIDR block.
 *
 * <p>Written {@code HOST:PORT}, {@code IP:PORT} or {@code CIDR:PORT} ({@code api.anthropic.com:443},
 * {@code 10.1.2.3:5432}, {@code 10.1.2.0/24:5432}). IPv6 targets are not accepted (sandboxes have no IPv6).
 * Immutable and thread-safe.
 *
 * @param target a lower-case DNS name, or an IPv4 block in CIDR form ({@code 10.1.2.3/32} for an address)
 * @param port TCP port, 1 to 65535
 */
public record EgressAllow(String target, int port) {

    /** The accepted written form, quoted in errors. */
    public static final String FORM = "HOST:PORT, IP:PORT or CIDR:PORT with a port from 1 to 65535, "
            + "e.g. api.anthropic.com:443 or 10.1.2.3/32:5432";

    private static final Pattern NAME = Pattern.compile(
            "(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");

    public EgressAllow {
        if (target == null || !(NAME.matcher(target).matches() || cidr(target).isPresent())) {
            throw new InvalidInputException("network.allow", target, FORM);
        }
        if (port < 1 || port > 65535) {
            throw new InvalidInputException("network.allow", target + ":" + port, FORM);
        }
    }

    /**
     * Parses one written entry for {@code field}.
     *
     * @throws InvalidInputException naming {@code field} and {@link #FORM} when the entry is malformed
     */
    public static EgressAllow parse(String field, String text) {
        if (text == null) {
            throw new InvalidInputException(field, null, FORM);
        }
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1 || text.indexOf(':') != colon) {
            throw new InvalidInputException(field, text, FORM);
        }
        String host = text.substring(0, colon).toLowerCase(Locale.ROOT);
        String portText = text.substring(colon + 1);
        int port;
        try {
            port = portText.matches("\\d{1,5}") ? Integer.parseInt(portText) : -1;
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 1 || port > 65535) {
            throw new InvalidInputException(field, text, FORM);
        }
        if (IPV4.matcher(host).matches()) {
            host = host + "/32";
        }
        if (!NAME.matcher(host).matches() && cidr(host).isEmpty()) {
            throw new InvalidInputException(field, text, FORM);
        }
        if (NAME.matcher(host).matches() && host.substring(host.lastIndexOf('.') + 1).matches("\\d+")) {
            throw new InvalidInputException(field, text, FORM);
        }
        return new EgressAllow(host, port);
    }

    /** Whether the target is a DNS name rather than an address block. */
    public boolean isName() {
        return cidr(target).isEmpty();
    }

    /**
     * Whether this entry is an address block overlapping a range a sandbox never reaches unless allowed
     * (link-local, private, shared address space, loopback, "this network"): an entry a node accepts only from its
     * own operator, never in a job that came over the network.
     */
    public boolean opensPrivateRange() {
        if (isName()) {
            return false;
        }
        long[] block = range(target);
        for (String r : List.of("169.254.0.0/16", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10",
                "127.0.0.0/8", "0.0.0.0/8")) {
            long[] other = range(r);
            if (block[0] <= other[1] && other[0] <= block[1]) {
                return true;
            }
        }
        return false;
    }

    /** The first and last address of a valid CIDR block. */
    private static long[] range(String cidr) {
        int slash = cidr.indexOf('/');
        long address = 0;
        for (String octet : cidr.substring(0, slash).split("\\.")) {
            address = (address << 8) | Integer.parseInt(octet);
        }
        int prefix = Integer.parseInt(cidr.substring(slash + 1));
        long size = 1L << (32 - prefix);
        return new long[] {address, address + size - 1};
    }

    /** The written form, {@code TARGET:PORT}; {@link #parse} reads it back. */
    public String text() {
        return target + ":" + port;
    }

    @Override
    public String toString() {
        return text();
    }

    /** {@code text} when it is an IPv4 CIDR block with a valid prefix and no host bits set beyond it. */
    private static Optional<String> cidr(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            return Optional.empty();
        }
        var m = IPV4.matcher(text.substring(0, slash));
        String prefixText = text.substring(slash + 1);
        if (!m.matches() || !prefixText.matches("\\d{1,2}")) {
            return Optional.empty();
        }
        long address = 0;
        for (int i = 1; i <= 4; i++) {
            int octet = Integer.parseInt(m.group(i));
            if (octet > 255 || (m.group(i).length() > 1 && m.group(i).startsWith("0"))) {
                return Optional.empty();
            }
            address = (address << 8) | octet;
        }
        int prefix = Integer.parseInt(prefixText);
        if (prefix > 32 || (prefix < 32 && (address & ((1L << (32 - prefix)) - 1)) != 0)) {
            return Optional.empty();
        }
        return Optional.of(text);
    }
}
