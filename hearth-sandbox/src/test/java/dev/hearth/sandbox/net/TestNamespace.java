// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.net;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A network namespace of a test's own ({@code hearth-test-<random>}), so networking tests never touch the host's
 * network, plus "guests": further namespaces joined to the test namespace by veth pairs, standing in for VMs. Close
 * ends the processes handed to {@link #keep} (servers inside the namespaces) and deletes every namespace it made
 * (deleting a namespace deletes its links, rules and the veth pairs with it).
 */
public final class TestNamespace implements AutoCloseable {

    private static final Duration DEADLINE = Duration.ofSeconds(20);

    private final String name;
    private final HostCommand root = new HostCommand(Optional.empty(), DEADLINE);
    private final HostCommand inside;
    private final List<String> guests = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    private TestNamespace(String name) {
        this.name = name;
        this.inside = new HostCommand(Optional.of(name), DEADLINE);
    }

    /** Creates a fresh namespace with its loopback up; skips the test where namespaces cannot be made (not root). */
    public static TestNamespace create() throws HostCommandException {
        assumeTrue("root".equals(System.getProperty("user.name")), "network namespace tests need root");
        String name = "hearth-test-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        TestNamespace ns = new TestNamespace(name);
        ns.root.run("ip", "netns", "add", name);
        ns.inside.run("ip", "link", "set", "lo", "up");
        return ns;
    }

    public String name() {
        return name;
    }

    /** Runs a command inside the namespace; its stdout. */
    public String run(String... argv) throws HostCommandException {
        return inside.run(argv);
    }

    /** Runs a command inside the namespace; whether it exited 0. */
    public boolean succeeds(String... argv) throws HostCommandException {
        return inside.attempt(argv).ok();
    }

    /** The command line that runs {@code argv} inside the namespace, for a process the caller starts itself. */
    public List<String> inside(String... argv) {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", name));
        command.addAll(List.of(argv));
        return command;
    }

    /** Runs a command inside the namespace whatever its exit status. */
    HostCommand.Result attempt(String... argv) throws HostCommandException {
        return inside.attempt(argv);
    }

    /**
     * A stand-in guest: a namespace with {@code eth0} at {@code address}/24 (default route via {@code gateway}),
     * whose veth peer {@code port} is left in this namespace for the caller to join to the bridge.
     *
     * @return the guest namespace's name
     */
    String guest(String port, String address, String gateway) throws HostCommandException {
        String guest = name + "-" + port;
        root.run("ip", "netns", "add", guest);
        guests.add(guest);
        inside.run("ip", "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", guest);
        HostCommand g = new HostCommand(Optional.of(guest), DEADLINE);
        g.run("ip", "link", "set", "lo", "up");
        g.run("ip", "addr", "add", address + "/24", "dev", "eth0");
        g.run("ip", "link", "set", "eth0", "up");
        g.run("ip", "route", "add", "default", "via", gateway);
        return guest;
    }

    /**
     * Joins this namespace to the host's own network by a veth pair: {@code hostLink} in the host at
     * {@code hostAddress}, {@code eth0} here at {@code address} (both CIDR, one subnet), default route via the host.
     * So an address the host must never send sandbox traffic to (169.254.169.254, a LAN address) can be made live
     * here, with a real server behind it. Close removes the pair with the namespace.
     */
    public void linkToHost(String hostLink, String hostAddress, String address) throws HostCommandException {
        root.run("ip", "link", "add", hostLink, "type", "veth", "peer", "name", "eth0", "netns", name);
        root.run("ip", "addr", "add", hostAddress, "dev", hostLink);
        root.run("ip", "link", "set", hostLink, "up");
        inside.run("ip", "addr", "add", address, "dev", "eth0");
        inside.run("ip", "link", "set", "eth0", "up");
        inside.run("ip", "route", "add", "default", "via", hostAddress.substring(0, hostAddress.indexOf('/')));
    }

    /** Runs a command in guest namespace {@code guest}, whatever its exit status. */
    HostCommand.Result inGuest(String guest, String... argv) throws HostCommandException {
        return new HostCommand(Optional.of(guest), DEADLINE).attempt(argv);
    }

    /** Hands {@code p} (a server the test started inside a namespace) to this namespace, to be ended on close. */
    public Process keep(Process p) {
        processes.add(p);
        return p;
    }

    @Override
    public void close() throws HostCommandException {
        for (Process p : processes) {
            p.destroy();
            try {
                p.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (String g : guests) {
            root.attempt("ip", "netns", "del", g);
        }
        root.run("ip", "netns", "del", name);
    }
}
