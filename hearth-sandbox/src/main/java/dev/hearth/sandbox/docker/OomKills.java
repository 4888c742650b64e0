// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.docker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The kernel's count of processes killed for memory in one container's cgroup. A command run by exec in a pooled
 * container is not the container's main process, so the engine's {@code OOMKilled} flag stays false when the kernel
 * kills it; this count tells. Reads cgroup v1 ({@code memory.oom_control}) and v2 ({@code memory.events}).
 * Immutable; each {@link #count()} reads the file again.
 *
 * @param file the cgroup file holding an {@code oom_kill N} line
 */
record OomKills(Path file) {

    /** The counter of the cgroup that process {@code pid} (the container's main process) is in; empty if unreadable. */
    static Optional<OomKills> of(Path sysRoot, long pid) {
        if (pid <= 0) {
            return Optional.empty();
        }
        try {
            CgroupPaths paths = CgroupPaths.of(sysRoot, pid);
            if (paths.memory().isPresent()) {
                return Optional.of(new OomKills(paths.cgroups().resolve("memory").resolve(paths.memory().get())
                        .resolve("memory.oom_control")));
            }
            return paths.unified().map(u -> new OomKills(paths.cgroups().resolve(u).resolve("memory.events")));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** How many processes the kernel killed for memory in the cgroup so far; 0 when the file cannot be read. */
    long count() {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith("oom_kill ")) {
                    return Long.parseLong(line.substring("oom_kill ".length()).strip());
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }
}
