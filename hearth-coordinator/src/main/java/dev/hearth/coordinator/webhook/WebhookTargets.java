// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.webhook;

import dev.hearth.core.InvalidInputException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Objects;

/**
 * Which webhook URLs the coordinator may POST to: http or https, no credentials in the URL, and a host whose every
 * address is public: loopback, private (RFC 1918, fc00::/7), link-local (169.254.0.0/16 with the cloud metadata
 * address, fe80::/10), shared (100.64.0.0/10), unspecified and multicast addresses are refused unless the operator
 * allows a range ({@code --webhook-allow-cidr}, for tests and in-house receivers). Checked at registration and
 * again before every delivery (a name may resolve elsewhere later), where {@link #resolve} names the one checked
 * address the delivery connects to. Immutable; thread-safe.
 */
public final class WebhookTargets {

    private final List<Cidr> allowed;
    private final AddressLookup lookup;

    /** How a host name becomes addresses (the system's resolver; tests give their own). */
    @FunctionalInterface
    public interface AddressLookup {
        /** Every address of {@code host}. */
        InetAddress[] lookup(String host) throws UnknownHostException;
    }

    /**
     * A URL and the address its delivery connects to, checked with every other address its host resolved to.
     *
     * @param url the endpoint's URL (its host goes in {@code Host} and TLS SNI)
     * @param address the checked address the socket connects to
     */
    public record Target(URI url, InetAddress address) {
    }

    /** Targets with the operator's allowed ranges ({@code 127.0.0.0/8}, {@code 10.1.2.0/24}, {@code ::1/128}). */
    public WebhookTargets(List<String> allowedCidrs) {
        this(allowedCidrs, InetAddress::getAllByName);
    }

    /** Targets resolved by {@code lookup} (tests control resolution with it). */
    public WebhookTargets(List<String> allowedCidrs, AddressLookup lookup) {
        this.allowed = allowedCidrs.stream().map(Cidr::parse).toList();
        this.lookup = Objects.requireNonNull(lookup, "lookup");
    }

    /**
     * The URL when the coordinator may deliver to it.
     *
     * @throws InvalidInputException naming the field {@code url} and why
     */
    public URI check(String url) {
        return resolve(url).url();
    }

    /**
     * Resolves the URL's host once and checks every address it has: the delivery connects to the address returned,
     * never resolving the name again.
     *
     * @throws InvalidInputException naming the field {@code url} and why
     */
    public Target resolve(String url) {
        URI uri;
        try {
            uri = new URI(Objects.requireNonNull(url, "url"));
        } catch (URISyntaxException e) {
            throw new InvalidInputException("url", url, "an absolute http or https URL");
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null
                || uri.getRawUserInfo() != null || url.length() > 2048) {
            throw new InvalidInputException("url", url, "an absolute http or https URL of at most 2048 characters, "
                    + "with a host and no user:password");
        }
        InetAddress[] addresses;
        try {
            addresses = lookup.lookup(uri.getHost());
        } catch (UnknownHostException e) {
            throw new InvalidInputException("url", url, "a URL whose host resolves (" + uri.getHost()
                    + " does not)");
        }
        if (addresses == null || addresses.length == 0) {
            throw new InvalidInputException("url", url, "a URL whose host resolves (" + uri.getHost()
                    + " has no address)");
        }
        for (InetAddress a : addresses) {
            if (internal(a) && allowed.stream().noneMatch(c -> c.contains(a))) {
                throw new InvalidInputException("url", url, "a URL of a public address: " + uri.getHost()
                        + " is " + a.getHostAddress() + ", a loopback, private, link-local or otherwise internal "
                        + "address (an operator may allow a range with --webhook-allow-cidr)");
            }
        }
        return new Target(uri, addresses[0]);
    }

    /** Whether an address is not a public unicast one. */
    static boolean internal(InetAddress a) {
        if (a.isLoopbackAddress() || a.isAnyLocalAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress()
                || a.isMulticastAddress()) {
            return true;
        }
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            return first == 0 || (first == 100 && second >= 64 && second < 128) || first >= 240
                    || (first == 192 && second == 0 && (b[2] & 0xff) == 0) || (first == 198 && (second & 0xfe) == 18);
        }
        if (a instanceof Inet6Address) {
            return (b[0] & 0xfe) == 0xfc || isMappedOrCompatible(b);
        }
        return true;
    }

    /** IPv4-mapped and -compatible IPv6 addresses are refused outright: they name an IPv4 host by the back door. */
    private static boolean isMappedOrCompatible(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return (b[10] == 0 && b[11] == 0) || (b[10] == (byte) 0xff && b[11] == (byte) 0xff);
    }

    /** An address range. */
    record Cidr(byte[] network, int bits) {

        static Cidr parse(String text) {
            int slash = text.indexOf('/');
            try {
                if (slash < 0 || !text.substring(0, slash).matches("[0-9a-fA-F:.]+")) {
                    throw new IllegalArgumentException("not ADDRESS/BITS");
                }
                byte[] net = InetAddress.getByName(text.substring(0, slash)).getAddress();
                int bits = Integer.parseInt(text.substring(slash + 1));
                if (bits < 0 || bits > net.length * 8) {
                    throw new IllegalArgumentException("prefix length out of range");
                }
                return new Cidr(net, bits);
            } catch (UnknownHostException | IllegalArgumentException e) {
                throw new InvalidInputException("--webhook-allow-cidr", text, "an address range such as 127.0.0.0/8 "
                        + "or fd00::/8");
            }
        }

        boolean contains(InetAddress a) {
            byte[] b = a.getAddress();
            if (b.length != network.length) {
                return false;
            }
            for (int i = 0; i < bits; i++) {
                int mask = 0x80 >> (i % 8);
                if ((b[i / 8] & mask) != (network[i / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }
    }
}
