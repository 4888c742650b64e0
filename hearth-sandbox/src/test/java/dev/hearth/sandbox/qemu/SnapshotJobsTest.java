// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.sandbox.SandboxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The snapshot jobs' QMP exchanges (start with a job id, poll {@code query-jobs} to {@code concluded}, dismiss)
 * against a real QEMU started paused ({@code -S}, no guest kernel) with the state image Hearth writes attached.
 */
@DisplayName("Snapshot jobs on the state image, against a real qemu-system-x86_64")
class SnapshotJobsTest {

    private static final Duration LIMIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    private Process qemu;
    private QmpClient qmp;
    private Path image;

    @BeforeEach
    void startQemu() throws Exception {
        image = dir.resolve("vmstate.qcow2");
        VmStateImage.create(image);
        Path socket = dir.resolve("qmp.sock");
        qemu = new ProcessBuilder(QemuVmm.DEFAULT_BINARY.toString(), "-M", "microvm", "-accel", "tcg",
                "-m", "64M", "-nodefaults", "-no-user-config", "-display", "none", "-S",
                "-blockdev", "driver=qcow2,node-name=" + VmStateImage.NODE + ",file.driver=file,file.filename=" + image,
                "-qmp", "unix:" + socket + ",server=on,wait=off").redirectErrorStream(true).start();
        qmp = QmpClient.connect(socket, LIMIT, qemu::isAlive);
    }

    @AfterEach
    void stopQemu() throws Exception {
        qmp.close();
        qemu.destroyForcibly();
        qemu.waitFor(10, TimeUnit.SECONDS);
    }

    @Test
    @DisplayName("the state image is a qcow2 QEMU opens, mode 0600, and made afresh over an old one")
    void image() throws Exception {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(image))).isEqualTo("rw-------");
        assertThat(qmp.execute("query-named-block-nodes", Map.of(), LIMIT).findValuesAsText("drv")).contains("qcow2");
        Path other = dir.resolve("old.qcow2");
        Files.write(other, new byte[1 << 20]);
        VmStateImage.create(other);
        assertThat(Files.size(other)).isEqualTo(4L << 16);
    }

    @Test
    @DisplayName("save writes the machine's state into the image and leaves no job; load reads it back; delete "
            + "removes it, so a second load fails naming the job's error")
    void saveLoadDelete() throws Exception {
        long empty = Files.size(image);
        assertThat(SnapshotJobs.saved(qmp, LIMIT)).isFalse();
        SnapshotJobs.save(qmp, "t", LIMIT);
        assertThat(SnapshotJobs.saved(qmp, LIMIT)).isTrue();
        assertThat(Files.size(image)).as("the machine's memory and devices").isGreaterThan(empty);
        assertThat(qmp.execute("query-jobs", Map.of(), LIMIT)).as("every job dismissed").isEmpty();
        SnapshotJobs.load(qmp, "t", LIMIT);
        SnapshotJobs.delete(qmp, "t", LIMIT);
        assertThat(SnapshotJobs.saved(qmp, LIMIT)).isFalse();
        assertThat(qmp.execute("query-jobs", Map.of(), LIMIT)).isEmpty();
        assertThatThrownBy(() -> SnapshotJobs.load(qmp, "t", LIMIT)).isInstanceOf(SandboxException.class)
                .hasMessageContaining("snapshot-load of VM t failed");
        assertThat(qmp.execute("query-jobs", Map.of(), LIMIT)).as("a failed job is dismissed too").isEmpty();
    }

    @Test
    @DisplayName("a second save without a delete is refused by QEMU (one saved state per image), not overwritten")
    void oneStatePerImage() throws Exception {
        SnapshotJobs.save(qmp, "t", LIMIT);
        assertThatThrownBy(() -> SnapshotJobs.save(qmp, "t", LIMIT)).isInstanceOf(SandboxException.class)
                .hasMessageContaining("already exists");
    }
}
