package dev.hearth.sandbox.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.hearth.sandbox.VmFixture;
import dev.hearth.sandbox.vm.VmConfig;
import dev.hearth.sandbox.vm.VmDrive;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real QEMU under TCG, as root with the hearth-vm user present (scripts/setup-host makes it): the guest kernel boots
 * against an empty root disk and waits at its panic ({@code panic=0}), long enough to look at the running QEMU
 * process in {@code /proc}.
 */
@Tag("e2e")
@DisplayName("QEMU runs under its seccomp filter and as the unprivileged hearth-vm user, for job and detached VMs")
class QemuConfinementE2eTest {

    @TempDir
    Path dir;

    private VmConfig config(String id) throws Exception {
        Path root = dir.resolve(id + ".ext4");
        try (RandomAccessFile f = new RandomAccessFile(root.toFile(), "rw")) {
            f.setLength(1 << 20);
        }
        Files.setPosixFilePermissions(root, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        return new VmConfig(id, 1, 256, VmFixture.image().kernel(), Optional.empty(), "console=ttyS0 panic=0",
                List.of(new VmDrive("rootfs", root, true, false)), Optional.empty(), dir.resolve(id));
    }

    private static String status(long pid, String key) throws Exception {
        return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(l -> l.startsWith(key + ":"))
                .findFirst().orElseThrow().substring(key.length() + 1).strip();
    }

    private static List<String> argv(long pid) throws Exception {
        return List.of(new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), StandardCharsets.UTF_8)
                .split("\0"));
    }

    private static String vmUid() throws Exception {
        Process p = new ProcessBuilder("id", "-u", QemuConfinement.DEFAULT_USER).start();
        String uid = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assumeTrue(p.waitFor() == 0, "no " + QemuConfinement.DEFAULT_USER + " user: run scripts/setup-host");
        return uid;
    }

    @Test
    @DisplayName("a job VM: -sandbox in its argv, seccomp filtering, every uid that of hearth-vm")
    void jobVm() throws Exception {
        String uid = vmUid();
        QemuVmm vmm = new QemuVmm(QemuVmm.DEFAULT_BINARY, Map.of(AcceleratorProbe.ENV, "tcg"));
        assertThat(vmm.confinement().runAs()).as("this test runs as root").contains(QemuConfinement.DEFAULT_USER);
        try (QemuProcess vm = vmm.launch(config("conf-job"), (s, b, o, l) -> { })) {
            assertThat(argv(vm.pid())).contains("-sandbox").contains("-runas");
            assertThat(status(vm.pid(), "Seccomp")).isEqualTo("2");
            assertThat(status(vm.pid(), "Uid").split("\\s+")).containsOnly(uid);
        }
    }

    @Test
    @DisplayName("a detached VM: the same, after QEMU daemonized")
    void detachedVm() throws Exception {
        String uid = vmUid();
        QemuVmm vmm = new QemuVmm(QemuVmm.DEFAULT_BINARY, Map.of(AcceleratorProbe.ENV, "tcg"));
        VmConfig config = config("conf-det");
        Files.createDirectories(config.runDir());
        long pid = vmm.launchDetached(config, DetachedFiles.in(config.runDir()));
        try {
            assertThat(argv(pid)).contains("-sandbox").contains("-runas");
            assertThat(status(pid, "Seccomp")).isEqualTo("2");
            assertThat(status(pid, "Uid").split("\\s+")).containsOnly(uid);
        } finally {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }
}
