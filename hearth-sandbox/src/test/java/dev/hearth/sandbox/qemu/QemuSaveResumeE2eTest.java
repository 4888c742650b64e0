// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.core.job.NetworkMode;
import dev.hearth.sandbox.ExecResult;
import dev.hearth.sandbox.SandboxSpec;
import dev.hearth.sandbox.VmFixture;
import dev.hearth.sandbox.image.BaseImages;
import dev.hearth.sandbox.image.GuestImage;
import dev.hearth.sandbox.microvm.ConfigDrive;
import dev.hearth.sandbox.microvm.ConsoleLog;
import dev.hearth.sandbox.microvm.GuestConsole;
import dev.hearth.sandbox.microvm.MicroVmDriver;
import dev.hearth.sandbox.vm.VmConfig;
import dev.hearth.sandbox.vm.VmDrive;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real QEMU (TCG) on Hearth's plain guest image, started detached as an instance's VM is: saved to its state image
 * and ended, then started again from it. What the guest had in memory (a running shell's variables, a tmpfs file)
 * and on disk survives; a fresh boot would have neither.
 */
@Tag("e2e")
@DisplayName("A detached QEMU microVM saved to disk and resumed goes on where it was")
class QemuSaveResumeE2eTest {

    @TempDir
    Path tmp;

    private static final Duration LIMIT = Duration.ofSeconds(60);
    /** A service that keeps a random token and a counter in its memory and writes both to tmpfs. */
    private static final String SERVICE = "t=$(cat /proc/sys/kernel/random/uuid); i=0; "
            + "while :; do i=$((i+1)); echo \"$t $i\" > /tmp/count; sleep 0.2; done";

    @Test
    @DisplayName("stop, snapshot-save and quit free the VM; -S, snapshot-load and cont bring back its memory and "
            + "disk, twice; the state image is 0600; nothing is left after the VM is killed")
    void saveAndResume() throws Exception {
        GuestImage image = VmFixture.image();
        QemuVmm vmm = VmFixture.qemu();
        Path dir = Files.createDirectory(tmp.resolve("vm"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
        Path disk = dir.resolve("disk.ext4");
        Files.copy(image.rootfs(), disk, StandardCopyOption.REPLACE_EXISTING);
        SandboxSpec spec = SandboxSpec.builder(BaseImages.BUSYBOX, List.of("sh", "-c", SERVICE)).name("pause-e2e")
                .network(NetworkMode.NONE).readOnlyRoot(false).build();
        Path config = ConfigDrive.write(dir, spec, new ConfigDrive.Settings("root", 256, 128L << 20, "max 100000",
                16L << 20, false, "pause-e2e", Optional.empty()));
        VmConfig vm = new VmConfig("pause-e2e", 1, 256, image.kernel(), image.initrd(), MicroVmDriver.bootArgs("qemu"),
                List.of(new VmDrive("rootfs", disk, true, false), new VmDrive("config", config, false, true)),
                Optional.empty(), dir);
        DetachedFiles files = DetachedFiles.in(dir);
        GuestConsole console = GuestConsole.onSocket(files.consoleSocket());
        long pid = vmm.launchDetached(vm, files);
        try {
            awaitReady(files);
            assertThat(sh(console, "echo kept on disk > /on-disk; sync").exitCode()).isZero();
            String before = awaitCount(console, 3);

            vmm.saveDetached("pause-e2e", files, LIMIT);
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("QEMU ended").isFalse();
            assertThat(VmFixture.runningVms()).doesNotContain("pause-e2e");
            assertThat(Files.size(files.vmState())).as("guest memory in the state image").isGreaterThan(1 << 20);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(files.vmState())))
                    .isEqualTo("rw-------");

            pid = vmm.resumeDetached(vm, files);
            String after = sh(console, "cat /tmp/count").stdout().strip();
            String token = before.split(" ")[0];
            assertThat(after).as("the same service, its memory intact (a fresh boot draws another token)")
                    .startsWith(token + " ");
            assertThat(Integer.parseInt(after.split(" ")[1])).as("its counter went on from %s", before)
                    .isGreaterThanOrEqualTo(Integer.parseInt(before.split(" ")[1]));
            assertThat(sh(console, "cat /on-disk").stdout().strip()).isEqualTo("kept on disk");
            String later = awaitCount(console, Integer.parseInt(after.split(" ")[1]) + 2);
            assertThat(later).as("it keeps running").startsWith(token + " ");

            vmm.saveDetached("pause-e2e", files, LIMIT); // replaces the state it was resumed from
            pid = vmm.resumeDetached(vm, files);
            assertThat(sh(console, "cat /tmp/count").stdout().strip()).as("a second pause and resume")
                    .startsWith(token + " ");
        } finally {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            ProcessHandle.of(pid).ifPresent(p -> p.onExit().join());
        }
        assertThat(VmFixture.runningVms()).doesNotContain("pause-e2e");
    }

    private static ExecResult sh(GuestConsole console, String script) throws Exception {
        return console.exec(List.of("sh", "-c", script), LIMIT);
    }

    private static void awaitReady(DetachedFiles files) throws Exception {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (!new ConsoleLog(files.consoleLog()).readySince(0)) {
            assertThat(System.nanoTime()).as("the guest was not up within %s", LIMIT).isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    /** The service's "TOKEN COUNT" once its count reached {@code least}. */
    private static String awaitCount(GuestConsole console, int least) throws Exception {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (true) {
            String line = sh(console, "cat /tmp/count 2>/dev/null").stdout().strip();
            if (line.matches("\\S+ \\d+") && Integer.parseInt(line.split(" ")[1]) >= least) {
                return line;
            }
            assertThat(System.nanoTime()).as("count %s never reached %d", line, least).isLessThan(deadline);
            Thread.sleep(200);
        }
    }
}
