// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.microvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.core.InvalidInputException;
import dev.hearth.core.job.Limits;
import dev.hearth.core.job.NetworkMode;
import dev.hearth.core.units.ByteSize;
import dev.hearth.core.units.CpuQuota;
import dev.hearth.sandbox.ImageNotFoundException;
import dev.hearth.sandbox.SandboxSpec;
import dev.hearth.sandbox.VmFixture;
import dev.hearth.sandbox.image.BaseImages;
import dev.hearth.sandbox.image.GuestImage;
import dev.hearth.sandbox.qemu.QemuVmm;
import dev.hearth.sandbox.vm.VmConfig;
import dev.hearth.sandbox.vm.VmDrive;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input is refused with the field and accepted form before anything is made (no run folder, no VM). */
@DisplayName("MicroVM bad input")
class MicroVmInputTest {

    @TempDir
    Path dir;
    private Path kernel;
    private Path rootfs;
    private Path runRoot;

    @BeforeEach
    void files() throws Exception {
        kernel = Files.write(dir.resolve("bzImage"), new byte[16]);
        rootfs = Files.write(dir.resolve("rootfs.ext4"), new byte[32 * 1024]);
        runRoot = dir.resolve("run");
    }

    private MicroVmDriver driver(MicroVmSettings settings) {
        return new MicroVmDriver(QemuVmm.fromEnvironment(Map.of()), new GuestImage(kernel, Optional.empty(), rootfs,
                Optional.empty()), Optional.empty(), runRoot, settings, InstantSource.system());
    }

    private static SandboxSpec.Builder job() {
        return SandboxSpec.builder(BaseImages.BUSYBOX, List.of("true")).name("bad-input");
    }

    private void refused(MicroVmSettings settings, SandboxSpec spec, String field, String form) throws Exception {
        try (MicroVmDriver d = driver(settings)) {
            assertThatThrownBy(() -> d.create(spec)).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining(field).hasMessageContaining(form);
        }
        assertThat(VmFixture.entries(runRoot)).as("nothing made").isEmpty();
    }

    @Test
    @DisplayName("a missing kernel, rootfs or initrd names its flag")
    void missingImageFiles() {
        assertThatThrownBy(() -> GuestImage.ofFiles(dir.resolve("nope"), rootfs, Optional.empty()))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("--base-kernel")
                .hasMessageContaining("nope");
        assertThatThrownBy(() -> GuestImage.ofFiles(kernel, dir.resolve("gone.ext4"), Optional.empty()))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("--base-rootfs");
        assertThatThrownBy(() -> GuestImage.ofFiles(kernel, rootfs, Optional.of(dir.resolve("i"))))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("--base-initrd");
        assertThatThrownBy(() -> GuestImage.ofFiles(null, rootfs, Optional.empty()))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("--base-kernel is required");
    }

    @Test
    @DisplayName("vCPUs 0 or above 32 are refused, from the flag and from the CPU quota")
    void vcpus() throws Exception {
        assertThatThrownBy(() -> new MicroVmSettings(Optional.of(0), Optional.empty()))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("--vcpus '0'")
                .hasMessageContaining("1..32");
        assertThatThrownBy(() -> new MicroVmSettings(Optional.of(33), Optional.empty()))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("--vcpus '33'");
        refused(MicroVmSettings.DEFAULTS, job().limits(Limits.JOB_DEFAULTS.withCpus(CpuQuota.parse("--cpus", "33")))
                .build(), "cpus", "at most 32");
    }

    @Test
    @DisplayName("VmConfig itself refuses vCPUs 0 and 33, memory below its floor and missing files")
    void vmConfig() {
        List<VmDrive> drives = List.of(new VmDrive("rootfs", rootfs, true, true));
        assertThatThrownBy(() -> new VmConfig("v", 0, 256, kernel, Optional.empty(), "", drives, Optional.empty(),
                dir)).hasMessageContaining("vcpus '0'");
        assertThatThrownBy(() -> new VmConfig("v", 33, 256, kernel, Optional.empty(), "", drives, Optional.empty(),
                dir)).hasMessageContaining("vcpus '33'");
        assertThatThrownBy(() -> new VmConfig("v", 1, 64, kernel, Optional.empty(), "", drives, Optional.empty(),
                dir)).hasMessageContaining("memory '64 MiB'").hasMessageContaining("at least 128 MiB");
        assertThatThrownBy(() -> new VmConfig("v", 1, 256, dir.resolve("k"), Optional.empty(), "", drives,
                Optional.empty(), dir)).hasMessageContaining("kernel");
        assertThatThrownBy(() -> new VmConfig("v", 1, 256, kernel, Optional.empty(), "",
                List.of(new VmDrive("rootfs", dir.resolve("r"), true, true)), Optional.empty(), dir))
                .hasMessageContaining("rootfs");
    }

    @Test
    @DisplayName("a memory limit below the microVM floor is refused")
    void memoryFloor() throws Exception {
        refused(MicroVmSettings.DEFAULTS, job().limits(Limits.JOB_DEFAULTS.withMemory(
                ByteSize.parse("--memory", "8m"))).build(), "memory", "at least 16");
    }

    @Test
    @DisplayName("a disk size smaller than the root filesystem is refused, naming the rootfs size")
    void diskTooSmall() throws Exception {
        assertThatThrownBy(() -> driver(new MicroVmSettings(Optional.empty(),
                Optional.of(ByteSize.parse("--disk-size", "16k"))))).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("--disk-size '16k'").hasMessageContaining("at least the root filesystem's size, 32k");
        assertThat(VmFixture.entries(runRoot)).isEmpty();
    }

    @Test
    @DisplayName("network nat without host networking, host mounts and an empty command are refused")
    void unsupported() throws Exception {
        refused(MicroVmSettings.DEFAULTS, job().network(NetworkMode.NAT).build(), "network 'nat'", "none");
        refused(MicroVmSettings.DEFAULTS, job().mount(new dev.hearth.sandbox.Mount(dir, "/data", true)).build(),
                "mounts", "deliver files instead");
        refused(MicroVmSettings.DEFAULTS, SandboxSpec.builder(BaseImages.BUSYBOX, List.of()).build(), "command",
                "a command to run");
    }

    @Test
    @DisplayName("a Docker image name is refused with where microVM images come from")
    void dockerImage() throws Exception {
        try (MicroVmDriver d = driver(MicroVmSettings.DEFAULTS)) {
            assertThatThrownBy(() -> d.create(SandboxSpec.builder("debian:12", List.of("true")).build()))
                    .isInstanceOf(ImageNotFoundException.class).hasMessageContaining("hearth image build-vm")
                    .hasMessageContaining("--base-rootfs");
        }
        assertThat(VmFixture.entries(runRoot)).isEmpty();
    }

    @Test
    @DisplayName("CPU quota maps to whole vCPUs and an exact cgroup quota; memory adds the guest's overhead")
    void plan() {
        MicroVmDriver d = driver(MicroVmSettings.DEFAULTS);
        MicroVmDriver.Plan p = assertPlan(d, "1.5", "512m");
        assertThat(p.vcpus()).isEqualTo(2);
        assertThat(p.cpuMax()).isEqualTo("150000 100000");
        assertThat(p.memoryMib()).isEqualTo(512 + MicroVmDriver.GUEST_OVERHEAD_MIB);
        MicroVmDriver.Plan whole = assertPlan(d, "2", "16m");
        assertThat(whole.vcpus()).isEqualTo(2);
        assertThat(whole.cpuMax()).isEqualTo("max 100000");
        assertThat(whole.memoryMib()).isEqualTo(VmConfig.MIN_MEMORY_MIB);
    }

    private MicroVmDriver.Plan assertPlan(MicroVmDriver d, String cpus, String memory) {
        try {
            return d.plan(job().limits(Limits.JOB_DEFAULTS.withCpus(CpuQuota.parse("--cpus", cpus))
                    .withMemory(ByteSize.parse("--memory", memory))).build());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
