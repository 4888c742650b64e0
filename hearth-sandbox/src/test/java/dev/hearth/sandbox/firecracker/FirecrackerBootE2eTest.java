// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.firecracker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.hearth.sandbox.vm.VmConfig;
import dev.hearth.sandbox.vm.VmDrive;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Boots a real guest with the real firecracker. Runs only where everything it needs is present, and says exactly what
 * is missing otherwise: the firecracker executable (PATH or {@code HEARTH_FIRECRACKER}), KVM that runs guests (boot
 * tested by {@code KvmProbe}), and a guest: {@code HEARTH_FC_KERNEL} (an uncompressed vmlinux) and
 * {@code HEARTH_FC_ROOTFS} (an ext4 image), by default {@code vmlinux} and {@code rootfs.ext4} in
 * {@code BASE_IMAGES_DIR}. Our build machines have none of the three (no firecracker package; KVM under nested
 * virtualisation accepts guests that then hang).
 */
@Tag("e2e")
@DisplayName("Firecracker for real: a guest boots, pauses, resumes and is removed without a trace")
class FirecrackerBootE2eTest {

    @TempDir
    Path dir;

    @Test
    @DisplayName("the guest kernel prints its banner on the console, and close leaves nothing")
    void bootsForReal() throws Exception {
        Map<String, String> env = System.getenv();
        FirecrackerVmm vmm = FirecrackerVmm.create(FirecrackerSettings.fromEnvironment(env));
        Optional<String> unavailable = vmm.unavailableReason();
        assumeThat(unavailable).as("Firecracker cannot run here: %s", unavailable.orElse("")).isEmpty();
        Path images = Path.of(env.getOrDefault("BASE_IMAGES_DIR", "/srv/firecracker/base/images"));
        Path kernel = Path.of(env.getOrDefault("HEARTH_FC_KERNEL", images.resolve("vmlinux").toString()));
        Path rootfs = Path.of(env.getOrDefault("HEARTH_FC_ROOTFS", images.resolve("rootfs.ext4").toString()));
        assumeThat(Files.isRegularFile(kernel)).as("no guest kernel at %s (set HEARTH_FC_KERNEL)", kernel).isTrue();
        assumeThat(Files.isRegularFile(rootfs)).as("no guest rootfs at %s (set HEARTH_FC_ROOTFS)", rootfs).isTrue();
        Path disk = Files.copy(rootfs, dir.resolve("rootfs.ext4")); // the guest writes its root: never the original

        VmConfig config = new VmConfig("fc-e2e", 1, 256, kernel, Optional.empty(),
                "console=ttyS0 reboot=k panic=1 pci=off", List.of(new VmDrive("rootfs", disk, true, false)),
                Optional.empty(), dir.resolve("run"));
        VmFixture.Console console = new VmFixture.Console();
        try (FirecrackerVm vm = vmm.launch(config, console)) {
            FirecrackerVmmTest.poll(() -> console.text().contains("Linux version"));
            assertThat(vm.describe().state()).isEqualTo("Running");
            vm.pause();
            assertThat(vm.describe().state()).isEqualTo("Paused");
            vm.resume();
            assertThat(vm.api().machineConfig().vcpuCount()).isEqualTo(1);
        }
        assertThat(config.runDir()).doesNotExist();
    }
}
