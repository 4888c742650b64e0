// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.microvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.core.InvalidInputException;
import dev.hearth.core.instance.InstanceSpec;
import dev.hearth.sandbox.GuestHandle;
import dev.hearth.sandbox.GuestStatus;
import dev.hearth.sandbox.GuestWorkload;
import dev.hearth.sandbox.image.ContentCache;
import dev.hearth.sandbox.net.HostNetwork;
import dev.hearth.sandbox.net.NetworkConfig;
import dev.hearth.sandbox.qemu.QemuVmm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The QEMU runtime's checks and its view of a VM folder, without booting anything (the e2e test boots). */
class QemuGuestsTest {

    @TempDir
    Path dir;

    private QemuGuests guests() {
        return new QemuGuests(QemuVmm.fromEnvironment(Map.of()),
                HostNetwork.create(NetworkConfig.defaults().withStateDir(dir.resolve("net"))),
                new ContentCache(dir.resolve("images")), dir.resolve("vm"));
    }

    private static GuestHandle guest(String id) {
        return new GuestHandle(id, "hearth-" + id, Optional.of("172.16.0.2"), 2, 2048, "4G", List.of());
    }

    @Test
    @DisplayName("--base-kernel, --base-initrd and --base-rootfs must be readable files, the root an ext4 with "
            + "Hearth's guest side and OpenClaw, by flag, before anything is made")
    void baseFlags() throws Exception {
        Path text = Files.writeString(dir.resolve("rootfs.txt"), "not a file system");
        assertThatThrownBy(() -> guests().check(withRoot(text))).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("--base-rootfs '" + text + "'").hasMessageContaining("not an ext4 file system")
                .hasMessageContaining("hearth image build-openclaw --vm");
        Path partial = ext4("partial", "sbin/hearth-init");
        assertThatThrownBy(() -> guests().check(withRoot(partial))).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("--base-rootfs").hasMessageContaining("it lacks /usr/bin/hearth-guest, "
                        + "/usr/local/bin/openclaw").hasMessageNotContaining("lacks /sbin/hearth-init");
        guests().check(withRoot(ext4("whole", "sbin/hearth-init", "usr/bin/hearth-guest", "usr/local/bin/openclaw")));
        InstanceSpec missing = InstanceSpec.builder().id("a").telegramToken("1:a").runtime("qemu")
                .baseKernel(dir.resolve("no-kernel").toString()).build();
        assertThatThrownBy(() -> guests().check(missing)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("--base-kernel").hasMessageContaining("readable file");
        InstanceSpec folderInitrd = InstanceSpec.builder().id("a").telegramToken("1:a").runtime("qemu")
                .baseInitrd(dir.toString()).build();
        assertThatThrownBy(() -> guests().check(folderInitrd)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("--base-initrd");
        Path kernel = Files.writeString(dir.resolve("bzImage"), "a kernel");
        Path initrd = Files.writeString(dir.resolve("initrd.img"), "an initrd");
        guests().check(InstanceSpec.builder().id("a").telegramToken("1:a").runtime("qemu")
                .baseKernel(kernel.toString()).baseInitrd(initrd.toString()).build());
        guests().check(InstanceSpec.builder().id("a").telegramToken("1:a").runtime("qemu").build());
        assertThat(dir.resolve("vm")).doesNotExist();
    }

    @Test
    @DisplayName("tidy rotates a console log past the cap: the boot's offset moves to 0 (its start time kept) and "
            + "that the boot was up is kept; a log under the cap is left alone")
    void consoleRotation() throws Exception {
        GuestHandle s = guest("rot");
        Path vm = Files.createDirectories(dir.resolve("vm/rot"));
        Path log = vm.resolve("console.log");
        Files.writeString(log, "old boot\n\001HR 0 up\n" + "k".repeat(1000) + "\n");
        Files.writeString(vm.resolve("boot.offset"), "9");
        java.nio.file.attribute.FileTime started = java.nio.file.attribute.FileTime.from(Instant.parse(
                "2026-01-02T03:04:05Z"));
        Files.setLastModifiedTime(vm.resolve("boot.offset"), started);
        guests().tidy(s);
        assertThat(vm.resolve("console.log.1")).doesNotExist();
        try (var out = Files.newOutputStream(log, java.nio.file.StandardOpenOption.APPEND)) {
            out.write(new byte[(int) MicroVmGuests.CONSOLE_LOG_MAX_BYTES]);
        }
        guests().tidy(s);
        assertThat(Files.size(log)).isZero();
        assertThat(Files.size(vm.resolve("console.log.1"))).isGreaterThan(MicroVmGuests.CONSOLE_LOG_MAX_BYTES);
        assertThat(Files.readString(vm.resolve("boot.offset"))).isEqualTo("0");
        assertThat(Files.getLastModifiedTime(vm.resolve("boot.offset"))).isEqualTo(started);
        assertThat(vm.resolve("boot.ready")).exists();
    }

    private static InstanceSpec withRoot(Path rootfs) {
        return InstanceSpec.builder().id("a").telegramToken("1:a").runtime("qemu").baseRootfs(rootfs.toString())
                .build();
    }

    /** A small ext4 image holding empty files at {@code paths}, made with mkfs.ext4 -d. */
    private Path ext4(String name, String... paths) throws Exception {
        Path root = Files.createDirectories(dir.resolve(name));
        for (String p : paths) {
            Files.createDirectories(root.resolve(p).getParent());
            Files.writeString(root.resolve(p), "#!/bin/sh\n");
        }
        Path image = dir.resolve(name + ".ext4");
        dev.hearth.sandbox.host.HostCommand.run(List.of("mkfs.ext4", "-q", "-d", root.toString(), image.toString(),
                "8M"), java.time.Duration.ofMinutes(1));
        return image;
    }

    @Test
    @DisplayName("an image other than hearth/openclaw:VERSION is refused by --openclaw-image before a disk is made")
    void otherImageRefused() {
        GuestWorkload w = new GuestWorkload("python:3.12", List.of("true"), "1000:1000", 1000, Map.of(), 18789,
                "/health");
        InstanceSpec spec = InstanceSpec.builder().id("a").telegramToken("1:a").runtime("qemu").build();
        assertThatThrownBy(() -> guests().prepare(spec, guest("a"), w, dev.hearth.sandbox.BuildProgress.silent()))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("--openclaw-image");
        assertThat(dir.resolve("vm")).doesNotExist();
    }

    @Test
    @DisplayName("no folder is no guest; a folder whose pid file names a process that is not its QEMU is not running")
    void statusFromFolder() throws Exception {
        QemuGuests g = guests();
        assertThat(g.status(guest("a"))).isEmpty();
        Path folder = Files.createDirectories(dir.resolve("vm/a"));
        assertThat(g.status(guest("a")).orElseThrow().running()).isFalse();
        assertThat(g.status(guest("a")).orElseThrow().lastExit()).as("never started").isEmpty();
        // This JVM's own pid: alive, but its command line does not name the VM's socket.
        Files.writeString(folder.resolve("qemu.pid"), Long.toString(ProcessHandle.current().pid()));
        Files.writeString(folder.resolve("boot.offset"), "0");
        Files.write(folder.resolve("console.log"), "\001HR 0 up\n\001HX 0 3 0\n".getBytes());
        assertThat(g.pid(guest("a"))).isEmpty();
        GuestStatus s = g.status(guest("a")).orElseThrow();
        assertThat(s.running()).isFalse();
        assertThat(s.lastExit()).contains("exit 3");
        assertThat(g.leftovers("a")).containsExactly("folder " + folder);
        g.remove(guest("a"));
        assertThat(folder).doesNotExist();
        assertThat(g.leftovers("a")).isEmpty();
    }

    @Test
    @DisplayName("pause refuses a guest that does not run and resume one that is not paused, naming the instance; a "
            + "folder with the pause marker and no QEMU reads as paused until stopped, and remove takes the folder away")
    void pauseAndResumeStates() throws Exception {
        QemuGuests g = guests();
        Path folder = Files.createDirectories(dir.resolve("vm").resolve("a"));
        assertThatThrownBy(() -> g.pause(guest("a"), java.time.Duration.ofSeconds(5)))
                .isInstanceOf(dev.hearth.sandbox.SandboxException.class)
                .hasMessageContaining("instance a is not running").hasMessageContaining("start it first");
        assertThatThrownBy(() -> g.resume(guest("a"))).isInstanceOf(dev.hearth.sandbox.SandboxException.class)
                .hasMessageContaining("instance a is not paused");
        assertThat(g.paused(guest("a"))).isFalse();
        Files.writeString(folder.resolve(MicroVmGuests.PAUSED), "");
        Files.write(folder.resolve("vmstate.qcow2"), new byte[16]);
        assertThat(g.paused(guest("a"))).isTrue();
        GuestStatus s = g.status(guest("a")).orElseThrow();
        assertThat(s.running()).isFalse();
        assertThat(s.lastExit()).as("the agent's InstanceView reads 'paused' from this")
                .hasValueSatisfying(e -> assertThat(e).startsWith("paused"));
        assertThatThrownBy(() -> g.pause(guest("a"), java.time.Duration.ofSeconds(5)))
                .hasMessageContaining("paused already");
        g.stop(guest("a"), java.time.Duration.ofSeconds(5));
        assertThat(g.paused(guest("a"))).as("a stopped guest boots afresh: its saved state is discarded").isFalse();
        g.remove(guest("a"));
        assertThat(folder).doesNotExist();
    }
}
