// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.core.receipt.ResourceUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file layouts of cgroup v1 and v2, laid out under a folder as a host shows them (v1 is also tested live). */
@DisplayName("Cgroup usage: where the files are on v1 and v2, and what they mean")
class CgroupUsageTest {

    @TempDir
    Path root;

    private Path file(String path, String content) throws Exception {
        Path f = root.resolve(path);
        Files.createDirectories(f.getParent());
        Files.writeString(f, content);
        return f;
    }

    @Test
    @DisplayName("cgroup v2 (systemd driver): CPU from cpu.stat usage_usec, peak from memory.peak")
    void unified() throws Exception {
        file("proc/42/cgroup", "0::/system.slice/docker-abc.scope\n");
        file("sys/fs/cgroup/system.slice/docker-abc.scope/cpu.stat", "usage_usec 1234567\nuser_usec 1000000\n");
        file("sys/fs/cgroup/system.slice/docker-abc.scope/memory.peak", "73400320\n");
        try (CgroupUsage u = CgroupUsage.watch(root, 42, "t").orElseThrow()) {
            assertThat(u.usage()).isEqualTo(new ResourceUsage(1234L, 73400320L, null));
        }
    }

    @Test
    @DisplayName("cgroup v1 (cgroupfs driver): cpuacct.usage in nanoseconds, memory.max_usage_in_bytes")
    void legacy() throws Exception {
        file("proc/7/cgroup", "4:cpu,cpuacct:/docker/abc\n9:memory:/docker/abc\n0::/\n");
        file("sys/fs/cgroup/cpuacct/docker/abc/cpuacct.usage", "2500000000\n");
        file("sys/fs/cgroup/memory/docker/abc/memory.max_usage_in_bytes", "1048576\n");
        try (CgroupUsage u = CgroupUsage.watch(root, 7, "t").orElseThrow()) {
            assertThat(u.usage()).isEqualTo(new ResourceUsage(2500L, 1048576L, null));
        }
    }

    @Test
    @DisplayName("no readable cgroup (exited, another pid namespace): nothing is measured")
    void unreadable() {
        assertThat(CgroupUsage.watch(root, 99, "t")).isEmpty();
        assertThat(CgroupUsage.watch(root, 0, "t")).isEmpty();
    }
}
