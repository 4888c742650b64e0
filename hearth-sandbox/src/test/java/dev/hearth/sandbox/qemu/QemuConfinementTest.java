package dev.hearth.sandbox.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real QEMU under TCG, as root with the hearth-vm user present (scripts/setup-host makes it), booting a guest that
 * only halts (a PVH entry point assembled here with binutils, so the test needs no guest image build), with a disk
 * QEMU opens before it drops root: the running QEMU process is looked at in {@code /proc}.
 */
@DisplayName("QEMU runs under its seccomp filter and as the unprivileged hearth-vm user, for job and detached VMs")
class QemuConfinementTest {

    @TempDir
    Path dir;

    private VmConfig config(String id) throws Exception {
        Path root = dir.resolve(id + ".ext4");
        try (RandomAccessFile f = new RandomAccessFile(root.toFile(), "rw")) {
            f.setLength(1 << 20);
        }
        Files.setPosixFilePermissions(root, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        return new VmConfig(id, 1, 256, haltingGuest(), Optional.empty(), "console=ttyS0",
                List.of(new VmDrive("rootfs", root, true, false)), Optional.empty(), dir.resolve(id));
    }

    /** A PVH ELF "kernel" whose entry point halts for ever: QEMU boots it and reports the VM running. */
    private Path haltingGuest() throws Exception {
        Path src = Files.writeString(dir.resolve("halt.S"), String.join("\n",
                ".section .note.pvh, \"a\", @note", ".align 4", ".long 4", ".long 4",
                ".long 18", // XEN_ELFNOTE_PHYS32_ENTRY
                ".asciz \"Xen\"", ".align 4", ".long _start",
                ".text", ".code32", ".globl _start", "_start:", "cli", "1: hlt", "jmp 1b", ""));
        Path elf = dir.resolve("halt.elf");
        Process as = new ProcessBuilder("sh", "-c", "as --32 -o \"$1.o\" \"$1\" && ld -m elf_i386 -Ttext=0x100000 "
                + "-o \"$2\" \"$1.o\"", "sh", src.toString(), elf.toString()).redirectErrorStream(true).start();
        String said = new String(as.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(as.waitFor() == 0, "binutils (as, ld) cannot build the halting guest: " + said);
        return elf;
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
