// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli.doctor;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What {@code hearth doctor} looks at: the places, ports and settings of this host. Tests point the paths and ports
 * elsewhere to make a check fail; {@link #of} gives the real ones.
 *
 * @param env the environment Hearth reads its settings from (HEARTH_QEMU, HEARTH_FIRECRACKER, HEARTH_QEMU_USER,
 *     PATH)
 * @param javaFeature the Java feature version Hearth runs on
 * @param cgroupRoot where the cgroup file system is mounted ({@code /sys/fs/cgroup})
 * @param kvm the KVM device ({@code /dev/kvm})
 * @param passwd the user database ({@code /etc/passwd}) the hearth-vm user is looked up in
 * @param dirs the folders Hearth writes to, by what they hold (coordinator data, agent state, images)
 * @param minFreeBytes the free space below which a folder's check fails
 * @param ports the ports Hearth will listen on, by who listens
 * @param microvm whether microVM sandboxes are wanted: then their checks fail instead of warning
 */
public record Host(Map<String, String> env, int javaFeature, Path cgroupRoot, Path kvm, Path passwd,
        Map<String, Path> dirs, long minFreeBytes, Map<String, InetSocketAddress> ports, boolean microvm) {

    public Host {
        env = Map.copyOf(env);
        dirs = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(dirs));
        ports = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(ports));
        Objects.requireNonNull(cgroupRoot, "cgroupRoot");
        Objects.requireNonNull(kvm, "kvm");
        Objects.requireNonNull(passwd, "passwd");
    }

    /** This host as it is, with the given folders, ports and free-space floor. */
    public static Host of(Map<String, String> env, Map<String, Path> dirs, long minFreeBytes,
            Map<String, InetSocketAddress> ports, boolean microvm) {
        return new Host(env, Runtime.version().feature(), Path.of("/sys/fs/cgroup"), Path.of("/dev/kvm"),
                Path.of("/etc/passwd"), dirs, minFreeBytes, ports, microvm);
    }

    /** The folders of PATH, in order. */
    List<Path> path() {
        String p = env.getOrDefault("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        return java.util.Arrays.stream(p.split(":")).filter(s -> !s.isBlank()).map(Path::of).toList();
    }
}
