// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.net;

import dev.hearth.core.job.EgressAllow;
import dev.hearth.sandbox.SandboxException;
import java.net.Inet4Address;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.SequencedSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host rules of one sandbox with an egress allowlist: only TCP to allowed address:port pairs leaves its bridge,
 * and its DNS goes only to its own forwarder ({@link AllowlistDns}) on the bridge's gateway.
 *
 * <p>Two chains of its own, named after the bridge: {@code HS-<hex>} jumped from {@code DOCKER-USER} for traffic
 * arriving on the bridge, ahead of {@link EgressFilter#SANDBOX_CHAIN}; it marks allowed TCP with
 * {@link EgressFilter#ALLOWED_MARK} (so {@link EgressFilter#SANDBOX_CHAIN} lets an allowed private address through
 * for this sandbox only) and rejects everything else, UDP and DNS to other servers included. Rules end in RETURN,
 * never ACCEPT: Docker's isolation chains still see what is let through. {@code HSI-<hex>}, jumped from
 * {@code INPUT} ahead of {@link EgressFilter#HOST_CHAIN}, accepts DNS (UDP and TCP 53) to the gateway.
 *
 * <p>Addresses a DNS answer returned for an allowed name are added by {@link #learn}, at most {@value #MAX_LEARNED}
 * per sandbox, the oldest dropped first; an address inside {@link EgressFilter#BLOCKED} (a name resolving to the
 * metadata service or the LAN) is never learned: only an allow entry written as an address opens a private one.
 * {@link #close} removes both chains and their jumps. Chains are written with one {@code iptables-restore}, so a
 * fence may be written again while its sandbox runs ({@link #refresh}) and is never seen empty.
 *
 * <p>A microVM guest on the shared bridge gets the same chains through {@link GuestFence}, named {@code HV-},
 * {@code HVI-} and {@code HVN-<tap>}, jumped for {@code -i <bridge> -s <guest address>}; the third (nat
 * {@code PREROUTING}) redirects the guest's DNS to its owner's {@link AllowlistDns} port. Thread-safe.
 */
public final class SandboxFence implements AutoCloseable {

    /** The most DNS-learned addresses one sandbox keeps rules for. */
    public static final int MAX_LEARNED = 64;

    private static final Logger log = LoggerFactory.getLogger(SandboxFence.class);
    private static final String DOCKER_USER = "DOCKER-USER";

    private final HostCommand host;
    private final String bridge;
    private final List<String> match;
    private final String forward;
    private final String input;
    private final String nat;
    private final int dnsPort;
    private final SequencedSet<String> learned = new LinkedHashSet<>();

    private SandboxFence(HostCommand host, String bridge) {
        this(host, bridge, List.of("-i", bridge), "HS", bridge.substring(bridge.indexOf('-') + 1), 53);
    }

    /**
     * A fence whose jumps match {@code match} (traffic arriving on {@code bridge}, narrowed to one sandbox), with
     * chains {@code <prefix>-<id>}, {@code <prefix>I-<id>} and {@code <prefix>N-<id>}; DNS to the gateway's port
     * 53 is redirected to {@code dnsPort} when it is another.
     */
    SandboxFence(HostCommand host, String bridge, List<String> match, String prefix, String id, int dnsPort) {
        this.host = host;
        this.bridge = bridge;
        this.match = List.copyOf(match);
        String suffix = id.toUpperCase(java.util.Locale.ROOT);
        this.forward = prefix + "-" + suffix;
        this.input = prefix + "I-" + suffix;
        this.nat = prefix + "N-" + suffix;
        this.dnsPort = dnsPort;
    }

    /**
     * Installs the fence of the sandbox whose bridge is {@code bridge} (its host filter already installed) with
     * the address entries of {@code allow}; names are opened later by {@link #learn}. Nothing is left when it fails.
     *
     * @throws SandboxException naming the iptables command that failed
     */
    public static SandboxFence install(String bridge, String gateway, List<EgressAllow> allow, Duration timeout)
            throws SandboxException {
        return write(bridge, gateway, allow, timeout, true);
    }

    private static SandboxFence write(String bridge, String gateway, List<EgressAllow> allow, Duration timeout,
            boolean removeOnFailure) throws SandboxException {
        SandboxFence fence = new SandboxFence(new HostCommand(Optional.empty(), timeout), bridge);
        try {
            fence.write(gateway, allow);
            return fence;
        } catch (HostCommandException e) {
            if (removeOnFailure) {
                fence.close();
            }
            throw new SandboxException("cannot write the egress allowlist of bridge " + bridge + ": "
                    + e.getMessage() + " (Hearth needs root and iptables)", e);
        }
    }

    /**
     * Writes the fence of {@code bridge} again, or for the first time, as {@link #install} does, while its sandbox may
     * be running: the chains are replaced in one step, never seen empty, and a failure removes nothing (a sandbox of
     * a long-lived service stays fenced by what was there). Addresses learned from DNS answers are dropped: the
     * sandbox's next lookup opens them again.
     *
     * @throws SandboxException naming the iptables command that failed
     */
    public static SandboxFence refresh(String bridge, String gateway, List<EgressAllow> allow, Duration timeout)
            throws SandboxException {
        return write(bridge, gateway, allow, timeout, false);
    }

    /**
     * Removes the chains and jumps a dead process left for {@code bridge} (its sandbox's network being reaped); a
     * bridge that never had an allowlist is fine. Failures are logged.
     */
    public static void removeLeftover(String bridge) {
        new SandboxFence(new HostCommand(Optional.empty(), Duration.ofSeconds(20)), bridge).close();
    }

    /** The chain forwarded traffic of this sandbox passes through. */
    public String forwardChain() {
        return forward;
    }

    /** Writes both chains (and, with a redirect, the nat chain) in one step, then makes sure of their jumps. */
    void write(String gateway, List<EgressAllow> allow) throws HostCommandException {
        List<String> lines = new ArrayList<>(List.of("*filter", ":" + forward + " - [0:0]", ":" + input + " - [0:0]"));
        for (EgressAllow a : allow) {
            if (!a.isName()) {
                lines.add("-A " + forward + " " + String.join(" ", mark(a.target(), a.port())));
            }
        }
        lines.add("-A " + forward + " -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN");
        lines.add("-A " + forward + " -m mark --mark " + EgressFilter.ALLOWED_MARK + " -j RETURN");
        lines.add("-A " + forward + " -j REJECT --reject-with icmp-admin-prohibited");
        for (String proto : List.of("udp", "tcp")) {
            lines.add("-A " + input + " -d " + gateway + "/32 -p " + proto + " -m " + proto + " --dport " + dnsPort
                    + " -j ACCEPT");
        }
        lines.add("COMMIT");
        if (dnsPort != 53) {
            lines.addAll(List.of("*nat", ":" + nat + " - [0:0]"));
            for (String proto : List.of("udp", "tcp")) {
                // DNS to any server is answered by the owner's: it never leaves, so it cannot tunnel out
                lines.add("-A " + nat + " -p " + proto + " -m " + proto + " --dport 53 -j DNAT --to-destination "
                        + gateway + ":" + dnsPort);
            }
            lines.add("COMMIT");
        }
        // one iptables-restore: the chains are replaced atomically, so a running sandbox is never seen unfenced
        host.restore(String.join("\n", lines) + "\n");
        learned.clear();
        ensureJump("filter", "INPUT", input);
        ensureJump("filter", DOCKER_USER, forward);
        if (dnsPort != 53) {
            ensureJump("nat", "PREROUTING", nat);
        }
    }

    private void ensureJump(String table, String chain, String target) throws HostCommandException {
        HostCommand.Result check = host.attempt(jump(table, "-C", chain, target));
        if (check.exitCode() == 1) {
            host.run(jump(table, "-I", chain, target));
        } else if (!check.ok()) {
            throw host.failure(jump(table, "-C", chain, target), check); // never guess that a jump is there
        }
    }

    private String[] jump(String table, String op, String chain, String target) {
        List<String> argv = new ArrayList<>(List.of("iptables", "-w", "10", "-t", table, op, chain));
        if (op.equals("-I")) {
            argv.add("1");
        }
        argv.addAll(match);
        argv.addAll(List.of("-j", target));
        return argv.toArray(String[]::new);
    }

    private static List<String> mark(String cidr, int port) {
        return List.of("-d", cidr, "-p", "tcp", "-m", "tcp", "--dport", Integer.toString(port), "-j", "MARK",
                "--set-xmark", EgressFilter.ALLOWED_MARK);
    }

    /**
     * Opens TCP to {@code address} on {@code ports}, an answer of the sandbox's DNS forwarder for an allowed name;
     * an address inside {@link EgressFilter#BLOCKED} is refused. Returns whether the address is open.
     */
    public synchronized boolean learn(Inet4Address address, List<Integer> ports) {
        String ip = address.getHostAddress();
        if (EgressFilter.blocked(ip)) {
            log.warn("bridge {}: an allowed name resolved to {}, inside the blocked ranges; not opened", bridge, ip);
            return false;
        }
        boolean ok = true;
        for (int port : ports) {
            String key = ip + ":" + port;
            if (learned.contains(key) && present(mark(ip + "/32", port))) {
                continue; // checked, not trusted: another process may have rewritten the chain since
            }
            learned.remove(key);
            while (learned.size() >= MAX_LEARNED) {
                String oldest = learned.removeFirst();
                String[] parts = oldest.split(":");
                delete(forward, mark(parts[0] + "/32", Integer.parseInt(parts[1])));
            }
            List<String> argv = new ArrayList<>(List.of("iptables", "-w", "10", "-I", forward, "1"));
            argv.addAll(mark(ip + "/32", port));
            try {
                host.run(argv.toArray(String[]::new));
                learned.add(key);
            } catch (HostCommandException e) {
                log.error("bridge {}: cannot open {}: {}", bridge, key, e.getMessage());
                ok = false;
            }
        }
        return ok;
    }

    private boolean present(List<String> rule) {
        List<String> argv = new ArrayList<>(List.of("iptables", "-w", "10", "-C", forward));
        argv.addAll(rule);
        try {
            return host.attempt(argv.toArray(String[]::new)).ok();
        } catch (HostCommandException e) {
            return false;
        }
    }

    private void delete(String chain, List<String> rule) {
        List<String> argv = new ArrayList<>(List.of("iptables", "-w", "10", "-D", chain));
        argv.addAll(rule);
        try {
            host.attempt(argv.toArray(String[]::new));
        } catch (HostCommandException e) {
            log.warn("could not delete a rule of {}: {}", chain, e.getMessage());
        }
    }

    private void removeAll() throws HostCommandException {
        for (String[] j : List.of(jump("filter", "-D", DOCKER_USER, forward), jump("filter", "-D", "INPUT", input),
                jump("nat", "-D", "PREROUTING", nat))) {
            while (host.attempt(j).ok()) {
                // a jump written twice is removed twice
            }
        }
        for (String[] chain : List.of(new String[] {"filter", forward}, new String[] {"filter", input},
                new String[] {"nat", nat})) {
            if (host.attempt("iptables", "-w", "10", "-t", chain[0], "-F", chain[1]).ok()) {
                host.attempt("iptables", "-w", "10", "-t", chain[0], "-X", chain[1]);
            }
        }
    }

    /** Removes both chains and their jumps; failures are logged (nothing is opened by a leftover). */
    @Override
    public synchronized void close() {
        try {
            removeAll();
            learned.clear();
        } catch (HostCommandException e) {
            log.error("could not remove the egress allowlist of bridge {}: {}", bridge, e.getMessage());
        }
    }
}
