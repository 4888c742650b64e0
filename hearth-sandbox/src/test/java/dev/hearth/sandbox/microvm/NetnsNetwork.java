package dev.hearth.sandbox.microvm;

import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.image.HostCommand;
import dev.hearth.sandbox.vm.VmNetwork;
import dev.hearth.sandbox.vm.VmNic;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A throwaway {@link VmNetwork} for tests, standing in for Hearth's host networking: a network namespace of its
 * own with a bridge ({@code 10.77.0.1/24}) and one TAP per VM, each bridge port isolated so VMs cannot reach each
 * other, only the bridge's address. QEMU must run inside the namespace to open the TAPs: {@link #qemuWrapper}
 * writes a script that does {@code ip netns exec NS qemu-system-x86_64 "$@"}. Tests send traffic only inside the
 * namespace. Thread-safe enough for one test at a time.
 */
final class NetnsNetwork implements VmNetwork, AutoCloseable {

    static final String GATEWAY = "10.77.0.1";
    private static final Duration LIMIT = Duration.ofSeconds(30);

    private final String ns;
    private final AtomicInteger next = new AtomicInteger(2);

    NetnsNetwork(String ns) throws SandboxException, InterruptedException {
        this.ns = ns;
        HostCommand.run(List.of("ip", "netns", "add", ns), LIMIT);
        in("ip", "link", "set", "lo", "up");
        in("ip", "link", "add", "br0", "type", "bridge");
        in("ip", "addr", "add", GATEWAY + "/24", "dev", "br0");
        in("ip", "link", "set", "br0", "up");
    }

    /** Runs a command inside the namespace. */
    void in(String... command) throws SandboxException, InterruptedException {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        argv.addAll(List.of(command));
        HostCommand.run(argv, LIMIT);
    }

    /** A command line that runs {@code command} inside the namespace. */
    List<String> inside(String... command) {
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        argv.addAll(List.of(command));
        return argv;
    }

    /** An executable script in {@code dir} that runs QEMU inside the namespace. */
    Path qemuWrapper(Path dir) throws java.io.IOException {
        Path script = dir.resolve("qemu-in-" + ns);
        Files.writeString(script, "#!/bin/sh\nexec ip netns exec " + ns + " /usr/bin/qemu-system-x86_64 \"$@\"\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }

    /** Whether the TAP still exists in the namespace. */
    boolean hasLink(String name) throws InterruptedException {
        try {
            in("ip", "link", "show", name);
            return true;
        } catch (SandboxException e) {
            return false;
        }
    }

    @Override
    public VmNic attach(String vmId) throws SandboxException {
        int octet = next.getAndIncrement();
        String tap = "tap" + octet;
        try {
            in("ip", "tuntap", "add", "dev", tap, "mode", "tap");
            in("ip", "link", "set", tap, "master", "br0");
            in("bridge", "link", "set", "dev", tap, "isolated", "on");
            in("ip", "link", "set", tap, "up");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException("interrupted while making " + tap, e);
        }
        return new VmNic(tap, String.format("06:00:0a:4d:00:%02x", octet), "10.77.0." + octet, 24, GATEWAY);
    }

    @Override
    public void detach(VmNic nic) {
        try {
            in("ip", "link", "del", nic.tapName());
        } catch (SandboxException e) {
            // already gone
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() throws Exception {
        HostCommand.run(List.of("ip", "netns", "del", ns), LIMIT);
    }
}
