// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.net;

import dev.hearth.sandbox.SandboxException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The host-level filter between sandboxes and everything that is not the public internet: iptables chains
 * {@value #SANDBOX_CHAIN} (forwarded traffic, jumped from Docker's {@code DOCKER-USER}) and {@value #HOST_CHAIN}
 * (traffic to the host itself, jumped from {@code INPUT}), each jump matching the sandbox interfaces it protects.
 *
 * <p>{@value #SANDBOX_CHAIN} lets replies through, then rejects anything new to link-local (169.254.0.0/16: the
 * cloud metadata address), the private ranges (10/8, 172.16/12, 192.168/16) and shared address space (100.64/10):
 * the host's LAN, other sandboxes' networks and Docker's own bridges. The one exception is DNS (port 53) to the
 * resolvers the host's {@code /etc/resolv.conf} names, which Docker's embedded DNS forwards to from inside the
 * sandbox. {@value #HOST_CHAIN} lets replies through (published ports' proxies talk to the sandbox from the host)
 * and echo requests (a guest may ping its gateway), and rejects every other new connection from a sandbox to any
 * of the host's addresses: its gateway on the sandbox bridge, other sandboxes' gateways, the host's LAN address.
 *
 * <p>Rules sit in {@code DOCKER-USER}, which Docker evaluates first in {@code FORWARD} and never flushes, and end
 * in RETURN, never ACCEPT: Docker's isolation chains still see everything the filter lets through. The chains'
 * contents are written with one {@code iptables-restore --noflush}, so they are replaced atomically (never seen
 * empty) and a second call changes nothing. Thread-safe: calls are serialised, and iptables holds its own lock
 * across processes.
 */
public final class EgressFilter {

    /** The chain forwarded sandbox traffic passes through. */
    public static final String SANDBOX_CHAIN = "HEARTH-EGRESS";
    /** The chain sandbox traffic to the host's own addresses passes through. */
    public static final String HOST_CHAIN = "HEARTH-HOST";
    /** Destinations no sandbox reaches unless allowed: link-local, private, shared address space. */
    public static final List<String> BLOCKED = List.of("169.254.0.0/16", "10.0.0.0/8", "172.16.0.0/12",
            "192.168.0.0/16", "100.64.0.0/10");

    /**
     * The packet mark ({@code value/mask}) a sandbox's own allowlist chain ({@link SandboxFence}) sets on traffic it
     * allows; {@value #SANDBOX_CHAIN} lets marked packets through ahead of its private-range rejects. A mark set
     * inside a container never reaches the host: the kernel clears it when a packet crosses network namespaces.
     */
    public static final String ALLOWED_MARK = "0x100000/0x100000";

    private static final Object LOCK = new Object();
    private static final String DOCKER_USER = "DOCKER-USER";
    private static final List<String> REJECT = List.of("-j", "REJECT", "--reject-with", "icmp-admin-prohibited");

    private final HostCommand host;
    private final Path resolvConf;

    EgressFilter(HostCommand host, Path resolvConf) {
        this.host = host;
        this.resolvConf = resolvConf;
    }

    /** The filter of the host's own network (no namespace); each command may take up to {@code timeout}. */
    public static EgressFilter onHost(Duration timeout) {
        return new EgressFilter(new HostCommand(Optional.empty(), timeout), Path.of("/etc/resolv.conf"));
    }

    /** The filter inside network namespace {@code namespace}, for tests and for {@link HostNetwork}. */
    static EgressFilter inNamespace(Optional<String> namespace, Duration timeout) {
        return new EgressFilter(new HostCommand(namespace, timeout), Path.of("/etc/resolv.conf"));
    }

    /**
     * Installs or refreshes both chains and makes sure traffic arriving on interfaces matching {@code interfaces}
     * (an iptables name or prefix, such as {@code hs-+}) passes through them. Idempotent.
     *
     * @throws SandboxException naming the command that failed (iptables missing, not root): sandboxes with a
     *     network must not start unfiltered
     */
    public void protect(String interfaces) throws SandboxException {
        try {
            install(List.of("-i", interfaces), interfaces);
        } catch (HostCommandException e) {
            throw new SandboxException("cannot install Hearth's sandbox egress filter for " + interfaces + ": "
                    + e.getMessage() + " (Hearth needs root and iptables; scripts/setup-host installs it)", e);
        }
    }

    /**
     * Like {@link #protect}, for a bridge whose guests' traffic among themselves is ruled elsewhere
     * ({@link FirewallRules}): only traffic leaving the bridge passes through {@value #SANDBOX_CHAIN}.
     */
    void protectBridge(String bridge) throws HostCommandException {
        install(List.of("-i", bridge, "!", "-o", bridge), bridge);
    }

    /** Removes {@link #protectBridge}'s jumps (the chains stay for other sandboxes); a missing jump is fine. */
    void unprotectBridge(String bridge) throws HostCommandException {
        synchronized (LOCK) {
            remove(DOCKER_USER, List.of("-i", bridge, "!", "-o", bridge, "-j", SANDBOX_CHAIN));
            remove("INPUT", List.of("-i", bridge, "-j", HOST_CHAIN));
        }
    }

    private void install(List<String> forwardMatch, String interfaces) throws HostCommandException {
        synchronized (LOCK) {
            writeChains();
            ensureDockerUser();
            List<String> forward = new ArrayList<>(forwardMatch);
            forward.addAll(List.of("-j", SANDBOX_CHAIN));
            ensureJump("filter", DOCKER_USER, forward);
            ensureJump("filter", "INPUT", List.of("-i", interfaces, "-j", HOST_CHAIN));
        }
    }

    private void remove(String chain, List<String> spec) throws HostCommandException {
        List<String> argv = new ArrayList<>(List.of("iptables", "-w", "10", "-D", chain));
        argv.addAll(spec);
        while (host.attempt(argv.toArray(String[]::new)).ok()) {
            // a jump added twice by racing processes is removed twice
        }
    }

    /** The rules of both chains, as {@code iptables-restore} reads them. */
    String chains() {
        List<String> lines = new ArrayList<>(List.of("*filter", ":" + SANDBOX_CHAIN + " - [0:0]",
                ":" + HOST_CHAIN + " - [0:0]"));
        String replies = "-m conntrack --ctstate RELATED,ESTABLISHED -j RETURN";
        lines.add("-A " + SANDBOX_CHAIN + " " + replies);
        lines.add("-A " + SANDBOX_CHAIN + " -m mark --mark " + ALLOWED_MARK + " -j RETURN");
        for (String resolver : resolvers()) {
            for (String proto : List.of("udp", "tcp")) {
                lines.add("-A " + SANDBOX_CHAIN + " -d " + resolver + "/32 -p " + proto + " -m " + proto
                        + " --dport 53 -j RETURN");
            }
        }
        for (String blocked : BLOCKED) {
            lines.add("-A " + SANDBOX_CHAIN + " -d " + blocked + " " + String.join(" ", REJECT));
        }
        lines.add("-A " + HOST_CHAIN + " " + replies);
        // a guest may ping its gateway to learn the link is up; nothing else reaches the host
        lines.add("-A " + HOST_CHAIN + " -p icmp -m icmp --icmp-type 8 -j RETURN");
        lines.add("-A " + HOST_CHAIN + " " + String.join(" ", REJECT));
        lines.add("COMMIT");
        return String.join("\n", lines) + "\n";
    }

    /** Whether IPv4 address {@code ip} is inside {@link #BLOCKED} (an unparsable one counts as blocked). */
    public static boolean blocked(String ip) {
        Optional<Integer> address = Ipv4Cidr.parseAddress(ip);
        return address.isEmpty() || BLOCKED.stream().map(b -> Ipv4Cidr.parse(b).orElseThrow())
                .anyMatch(b -> b.contains(address.get()));
    }

    /** IPv4 resolvers of the host inside the blocked ranges (others are reachable anyway). */
    List<String> resolvers() {
        List<String> found = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(resolvConf, StandardCharsets.UTF_8)) {
                String[] words = line.strip().split("\\s+");
                if (words.length >= 2 && words[0].equals("nameserver")) {
                    Ipv4Cidr.parse(words[1] + "/32").filter(a -> BLOCKED.stream().map(b -> Ipv4Cidr.parse(b)
                            .orElseThrow()).anyMatch(b -> b.contains(a.address()))).ifPresent(a -> found.add(words[1]));
                }
            }
        } catch (IOException e) {
            // no resolv.conf: no resolver to let through
        }
        return found;
    }

    private void writeChains() throws HostCommandException {
        host.restore(chains());
    }

    /** Docker makes DOCKER-USER itself; on a host without Docker (microVMs only) Hearth makes it the same way. */
    private void ensureDockerUser() throws HostCommandException {
        if (!host.attempt("iptables", "-w", "10", "-S", DOCKER_USER).ok()) {
            host.run("iptables", "-w", "10", "-N", DOCKER_USER);
        }
        ensureJump("filter", "FORWARD", List.of("-j", DOCKER_USER));
    }

    private void ensureJump(String table, String chain, List<String> spec) throws HostCommandException {
        List<String> check = new ArrayList<>(List.of("iptables", "-w", "10", "-t", table, "-C", chain));
        check.addAll(spec);
        HostCommand.Result r = host.attempt(check.toArray(String[]::new));
        if (r.exitCode() == 1) {
            List<String> insert = new ArrayList<>(List.of("iptables", "-w", "10", "-t", table, "-I", chain, "1"));
            insert.addAll(spec);
            host.run(insert.toArray(String[]::new));
        } else if (!r.ok()) {
            throw host.failure(check.toArray(String[]::new), r);
        }
    }
}
