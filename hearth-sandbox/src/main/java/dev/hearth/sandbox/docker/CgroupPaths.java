// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.docker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where a process's cgroups are, read from {@code /proc/PID/cgroup}: the v1 {@code cpuacct} and {@code memory}
 * hierarchies when the host has them, else the unified v2 group. Immutable.
 *
 * @param cgroups the cgroup file system's root ({@code /sys/fs/cgroup} under the system root)
 * @param unified the v2 group's path below {@code cgroups}, if listed
 * @param cpuacct the v1 cpuacct group's path below {@code cgroups/cpuacct}, if listed
 * @param memory the v1 memory group's path below {@code cgroups/memory}, if listed
 * @param lines the file's lines, for messages
 */
record CgroupPaths(Path cgroups, Optional<String> unified, Optional<String> cpuacct, Optional<String> memory,
        List<String> lines) {

    /** The cgroups of process {@code pid} under {@code sysRoot}; throws when its cgroup file cannot be read. */
    static CgroupPaths of(Path sysRoot, long pid) throws IOException {
        List<String> lines = Files.readAllLines(sysRoot.resolve("proc/" + pid + "/cgroup"));
        String unified = null;
        String cpuacct = null;
        String memory = null;
        for (String line : lines) {
            String[] parts = line.split(":", 3);
            if (parts.length < 3) {
                continue;
            }
            String path = parts[2].startsWith("/") ? parts[2].substring(1) : parts[2];
            if (parts[0].equals("0") && parts[1].isEmpty()) {
                unified = path;
            }
            for (String controller : parts[1].split(",")) {
                if (controller.equals("cpuacct")) {
                    cpuacct = path;
                } else if (controller.equals("memory")) {
                    memory = path;
                }
            }
        }
        return new CgroupPaths(sysRoot.resolve("sys/fs/cgroup"), Optional.ofNullable(unified),
                Optional.ofNullable(cpuacct), Optional.ofNullable(memory), lines);
    }

    /** Whether the v1 cpuacct and memory hierarchies are both there (a v1 host may list an empty v2 line too). */
    boolean v1() {
        return cpuacct.isPresent() && memory.isPresent();
    }
}
