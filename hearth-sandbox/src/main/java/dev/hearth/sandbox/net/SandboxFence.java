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
 * {@link #close} removes both chains and their jumps. Thread-safe.
 */
public final class SandboxFence implements AutoCloseable {

    /** The most DNS-learned addresses one sandbox keeps rules for. */
    public static final int MAX_LEARNED = 64;

    private static final Logger log = LoggerFactory.getLogger(SandboxFence.class);
    private static final String DOCKER_USER = "DOCKER-USER";

    private final HostCommand host;
    private final String bridge;
    private final String forward;
    private final String input;
    private final SequencedSet<String> learned = new LinkedHashSet<>();

    private SandboxFence(HostCommand host, String bridge) {
        this.host = host;
        this.bridge = bridge;
        String hex = bridge.substring(bridge.indexOf('-') + 1).toUpperCase(java.util.Locale.ROOT);
        this.forward = "HS-" + hex;
        this.input = "HSI-" + hex;
    }

    /**
     * Installs the fence of the sandbox whose bridge is {@code bridge} (its host filter already installed) with
     * the address entries of {@code allow}; names are opened later by {@link #learn}. Nothing is left when it fails.
     *
     * @throws SandboxException naming the iptables command that failed
     */
    public static SandboxFence install(String bridge, String gateway, List<EgressAllow> allow, Duration timeout)
            throws SandboxException {
        SandboxFence fence = new SandboxFence(new HostCommand(Optional.empty(), timeout), bridge);
        try {
            fence.write(gateway, allow);
            return fence;
        } catch (HostCommandException e) {
            fence.close();
            throw new SandboxException("cannot install the egress allowlist of bridge " + bridge + ": "
                    + e.getMessage() + " (Hearth needs root and iptables)", e);
        }
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

    private void write(String gateway, List<EgressAllow> allow) throws HostCommandException {
        removeAll();
        host.run("iptables", "-w", "10", "-N", forward);
        host.run("iptables", "-w", "10", "-N", input);
        List<List<String>> rules = new ArrayList<>();
        for (EgressAllow a : allow) {
            if (!a.isName()) {
                rules.add(mark(a.target(), a.port()));
            }
        }
        rules.add(List.of("-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "RETURN"));
        rules.add(List.of("-m", "mark", "--mark", EgressFilter.ALLOWED_MARK, "-j", "RETURN"));
        rules.add(List.of("-j", "REJECT", "--reject-with", "icmp-admin-prohibited"));
        for (List<String> r : rules) {
            append(forward, r);
        }
        for (String proto : List.of("udp", "tcp")) {
            append(input, List.of("-d", gateway + "/32", "-p", proto, "-m", proto, "--dport", "53", "-j", "ACCEPT"));
        }
        host.run("iptables", "-w", "10", "-I", "INPUT", "1", "-i", bridge, "-j", input);
        host.run("iptables", "-w", "10", "-I", DOCKER_USER, "1", "-i", bridge, "-j", forward);
    }

    private static List<String> mark(String cidr, int port) {
        return List.of("-d", cidr, "-p", "tcp", "-m", "tcp", "--dport", Integer.toString(port), "-j", "MARK",
                "--set-xmark", EgressFilter.ALLOWED_MARK);
    }

    private void append(String chain, List<String> rule) throws HostCommandException {
        List<String> argv = new ArrayList<>(List.of("iptables", "-w", "10", "-A", chain));
        argv.addAll(rule);
        host.run(argv.toArray(String[]::new));
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
            if (learned.contains(key)) {
                continue;
            }
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
        while (host.attempt("iptables", "-w", "10", "-D", DOCKER_USER, "-i", bridge, "-j", forward).ok()) {
            // a jump written twice is removed twice
        }
        while (host.attempt("iptables", "-w", "10", "-D", "INPUT", "-i", bridge, "-j", input).ok()) {
            // likewise
        }
        for (String chain : List.of(forward, input)) {
            if (host.attempt("iptables", "-w", "10", "-F", chain).ok()) {
                host.attempt("iptables", "-w", "10", "-X", chain);
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
