// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.vm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where a detached VM (an instance's guest) lives on a systemd host: in a transient scope of its own,
 * {@code hearth-vm-ID-XXXXXXXX.scope} under {@code hearth-vms.slice}, started with {@code systemd-run --scope}, so
 * that stopping or restarting the service that launched it ({@code hearth-agent}, whose {@code KillMode=mixed} ends
 * everything left in its cgroup) leaves the VM running for the next agent to adopt. Used only where it can work:
 * systemd is the init ({@code /run/systemd/system} exists), {@code systemd-run} is on the PATH and this process
 * is root (the system manager makes scopes for root only); elsewhere, or with {@code HEARTH_VM_SCOPE=off}, the VM
 * starts as before, in the caller's cgroup. Immutable and thread-safe.
 *
 * @param systemdRun the {@code systemd-run} to wrap commands with, or empty for none
 */
public record ServiceScope(Optional<Path> systemdRun) {

    /** The variable that turns scopes off ({@code off}). */
    public static final String ENV = "HEARTH_VM_SCOPE";
    /** The slice every VM scope goes to. */
    public static final String SLICE = "hearth-vms.slice";

    private static final java.security.SecureRandom SUFFIXES = new java.security.SecureRandom();

    /** No scope: commands run as given. */
    public static final ServiceScope NONE = new ServiceScope(Optional.empty());

    /** The scope this host allows, as {@code env} and the running system say. */
    public static ServiceScope detect(Map<String, String> env) {
        return detect(env, Path.of("/run/systemd/system"), SearchPath.find("systemd-run"), runningAsRoot());
    }

    /**
     * The scope for a host whose systemd runtime folder is {@code systemdRuntime}, with {@code systemdRun} found
     * on its PATH, for a process that is root or not.
     */
    static ServiceScope detect(Map<String, String> env, Path systemdRuntime, Optional<Path> systemdRun,
            boolean root) {
        String setting = env.getOrDefault(ENV, "");
        if (setting.strip().equalsIgnoreCase("off") || !root || !Files.isDirectory(systemdRuntime)) {
            return NONE;
        }
        return new ServiceScope(systemdRun);
    }

    /**
     * {@code argv} run in a new scope for VM {@code vmId}: the same process (systemd-run moves itself into the scope
     * and then executes the command), so pids, exit status and output stay those of the command.
     */
    public List<String> wrap(String vmId, List<String> argv) {
        if (systemdRun.isEmpty()) {
            return List.copyOf(argv);
        }
        // a suffix of its own: a scope of the VM's previous run may still be winding down under the same name
        String unit = "hearth-vm-" + vmId.replaceAll("[^A-Za-z0-9_-]", "_") + "-"
                + HexFormat.of().formatHex(suffix()) + ".scope";
        List<String> wrapped = new ArrayList<>(List.of(systemdRun.get().toString(), "--scope", "--quiet",
                "--collect", "--slice=" + SLICE, "--unit=" + unit, "--description=Hearth instance VM " + vmId, "--"));
        wrapped.addAll(argv);
        return List.copyOf(wrapped);
    }

    private static byte[] suffix() {
        byte[] b = new byte[4];
        SUFFIXES.nextBytes(b);
        return b;
    }

    private static boolean runningAsRoot() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
