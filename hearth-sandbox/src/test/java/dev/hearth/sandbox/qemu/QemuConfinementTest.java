// SPDX-License-Identifier: Apache-2.0
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

    /** Whether the process runs (a zombie no longer does: its parent, init once the starter is gone, reaps it). */
    private static boolean running(long pid) {
        try {
            return !status(pid, "State").startsWith("Z");
        } catch (Exception gone) {
            return false;
        }
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
    @DisplayName("a detached VM started by a process that then exits: never daemonized, spawning denied in its "
            + "filter, seccomp filtering, every uid that of hearth-vm, in a session of its own, still answering QMP; "
            + "killed, nothing is left")
    void detachedVm() throws Exception {
        String uid = vmUid();
        VmConfig config = config("conf-det");
        Files.createDirectories(config.runDir());
        DetachedFiles files = DetachedFiles.in(config.runDir());
        Process starter = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), DetachedStarter.class.getName(), config.id(),
                config.kernel().toString(), config.drives().getFirst().path().toString(), config.runDir().toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(starter.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(starter.waitFor()).as("the starter's exit; it printed %s", out).isZero();
        long pid = Long.parseLong(out.substring(out.lastIndexOf('\n') + 1));
        try {
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).as("QEMU outlives its starter")
                    .contains(true);
            List<String> argv = argv(pid);
            assertThat(argv).doesNotContain("-daemonize").containsSequence("-runas", QemuConfinement.DEFAULT_USER);
            assertThat(argv.get(argv.indexOf("-sandbox") + 1).split(",")).contains("on", "spawn=deny",
                    "obsolete=deny", "resourcecontrol=deny");
            assertThat(status(pid, "Seccomp")).isEqualTo("2");
            assertThat(status(pid, "Uid").split("\\s+")).containsOnly(uid);
            String[] stat = Files.readString(Path.of("/proc/" + pid + "/stat")).replaceFirst(".*\\) ", "").split(" ");
            assertThat(stat[3]).as("the session QEMU leads (field 6 of /proc/PID/stat)").isEqualTo(Long.toString(pid));
            assertThat(Long.parseLong(Files.readString(files.pidFile()).strip())).isEqualTo(pid);
            try (QmpClient qmp = QmpClient.connect(files.qmpSocket(), java.time.Duration.ofSeconds(10), () -> true)) {
                assertThat(qmp.execute("query-status", Map.of(), java.time.Duration.ofSeconds(10)).path("status")
                        .asText()).as("found again through its socket").isEqualTo("running");
            }
        } finally {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (running(pid) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(running(pid)).as("QEMU %d still running after its kill", pid).isFalse();
        try (var procs = ProcessHandle.allProcesses()) {
            assertThat(procs.filter(p -> p.info().arguments().map(a -> String.join(" ", a)
                    .contains(files.qmpSocket().toString())).orElse(false)).map(ProcessHandle::pid).toList())
                    .as("QEMU processes left for this VM").isEmpty();
        }
    }
}
