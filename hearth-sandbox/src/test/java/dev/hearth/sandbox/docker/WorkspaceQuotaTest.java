// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.core.job.JobFile;
import dev.hearth.sandbox.DockerFixture;
import dev.hearth.sandbox.ExitStatus;
import dev.hearth.sandbox.LogSink;
import dev.hearth.sandbox.Sandbox;
import dev.hearth.sandbox.SandboxSpec;
import dev.hearth.sandbox.image.BaseImages;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("A job's /job has a size quota on the real engine")
class WorkspaceQuotaTest {

    @TempDir
    Path root;

    @Test
    @DisplayName("a job writing past the quota gets ENOSPC in /job; its delivered files and outputs still work; "
            + "nothing stays mounted or on disk afterwards")
    void enospc() throws Exception {
        DockerDriver driver = DockerFixture.driver();
        driver.workspaceQuota(new WorkspaceVolume.Quota(Optional.of(16L << 20), root));
        String name = "hearth-test-" + UUID.randomUUID();
        SandboxSpec spec = SandboxSpec.builder(BaseImages.BUSYBOX, List.of("sh", "-c", "cat /job/in.txt; "
                + "dd if=/dev/zero of=/job/out/big bs=1M count=64 2>&1; echo dd=$?; echo small > /job/out/ok.txt"))
                .name(name).files(List.of(new JobFile("/job/in.txt", "delivered\n".getBytes(StandardCharsets.UTF_8),
                        0644))).build();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Sandbox s = driver.create(spec)) {
            s.start((stream, bytes, off, len) -> {
                synchronized (out) {
                    out.write(bytes, off, len);
                }
            });
            Optional<ExitStatus> exit = s.await(Duration.ofSeconds(60));
            assertThat(exit).isPresent();
            String log = out.toString(StandardCharsets.UTF_8);
            assertThat(log).contains("delivered").contains("No space left on device").contains("dd=1");
            assertThat(Files.size(ofSandbox(name).resolve("out/big"))).isLessThanOrEqualTo(16L << 20);
        } finally {
            driver.workspaceQuota(WorkspaceVolume.Quota.from(System.getenv()));
        }
        try (var left = Files.list(root)) {
            assertThat(left.map(p -> p.getFileName().toString())).noneMatch(f -> f.startsWith(name + "."));
        }
        assertThat(Files.readString(Path.of("/proc/self/mounts"))).doesNotContain(name);
    }

    @Test
    @DisplayName("a /job image whose container is gone (its owner died) is unmounted and deleted; a fresh one stays")
    void reap() throws Exception {
        WorkspaceVolume left = WorkspaceVolume.make(root, "hearth-test-gone", 8L << 20);
        Files.setLastModifiedTime(left.image(),
                java.nio.file.attribute.FileTime.from(java.time.Instant.now().minusSeconds(120)));
        WorkspaceVolume fresh = WorkspaceVolume.make(root, "hearth-test-fresh", 8L << 20);
        assertThat(Files.readString(Path.of("/proc/self/mounts"))).contains(left.mountPoint().toString());
        java.util.List<String> asked = new java.util.ArrayList<>();
        WorkspaceVolume.reap(root, name -> {
            asked.add(name);
            return false;
        });
        assertThat(asked).as("the reaper asks for the container by the sandbox's name").contains("hearth-test-gone");
        assertThat(left.image()).doesNotExist();
        assertThat(Files.readString(Path.of("/proc/self/mounts"))).doesNotContain("hearth-test-gone");
        assertThat(fresh.image()).as("one being set up now is spared").exists();
        fresh.close();
        left.close(); // a second close finds nothing to do
        assertThat(Files.readString(Path.of("/proc/self/mounts"))).doesNotContain("hearth-test-fresh");
    }

    @Test
    @DisplayName("the same sandbox name gets a /job of its own while an earlier one is still mounted (a job run again "
            + "on this host after its first agent was killed)")
    void sameNameTwice() throws Exception {
        WorkspaceVolume first = WorkspaceVolume.make(root, "hearth-test-again", 8L << 20);
        try (WorkspaceVolume second = WorkspaceVolume.make(root, "hearth-test-again", 8L << 20)) {
            assertThat(second.mountPoint()).isNotEqualTo(first.mountPoint());
            assertThat(Files.readString(Path.of("/proc/self/mounts"))).contains(first.mountPoint().toString())
                    .contains(second.mountPoint().toString());
        } finally {
            first.close();
        }
        assertThat(Files.readString(Path.of("/proc/self/mounts"))).doesNotContain("hearth-test-again");
    }

    /** The mount point of sandbox {@code name}'s /job (its files carry a random suffix). */
    private Path ofSandbox(String name) throws java.io.IOException {
        try (var found = Files.list(root)) {
            return found.filter(p -> Files.isDirectory(p) && p.getFileName().toString().startsWith(name + "."))
                    .findFirst().orElseThrow(() -> new AssertionError("no /job of " + name + " in " + root));
        }
    }
}
