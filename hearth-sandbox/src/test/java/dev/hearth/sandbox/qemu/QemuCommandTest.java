// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.sandbox.vm.VmConfig;
import dev.hearth.sandbox.vm.VmDrive;
import dev.hearth.sandbox.vm.VmNic;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The QEMU microvm command line")
class QemuCommandTest {

    @TempDir
    Path dir;

    private VmConfig config(Optional<VmNic> nic) throws Exception {
        Path kernel = Files.writeString(dir.resolve("bzImage"), "k");
        Path root = Files.writeString(dir.resolve("root,fs.ext4"), "r");
        Path cfg = Files.writeString(dir.resolve("config.ext4"), "c");
        return new VmConfig("vm-1", 2, 256, kernel, Optional.empty(), "console=ttyS0",
                List.of(new VmDrive("config", cfg, false, true), new VmDrive("rootfs", root, true, false)), nic,
                dir.resolve("run"));
    }

    @Test
    @DisplayName("microvm without defaults, the console on stdio, QMP on the run folder's socket, root drive first")
    void basics() throws Exception {
        List<String> a = QemuCommand.argv(Path.of("/usr/bin/qemu-system-x86_64"), config(Optional.empty()),
                new Accelerator("tcg", "test"), dir.resolve("run/qmp.sock"), QemuConfinement.NONE);
        String line = String.join(" ", a);
        assertThat(a).containsSequence("-M", "microvm,x-option-roms=off,isa-serial=on")
                .containsSequence("-accel", "tcg,thread=single", "-cpu", "max").containsSequence("-smp", "2", "-m", "256M")
                .contains("-nodefaults", "-no-user-config", "-nographic", "-no-reboot")
                .containsSequence("-serial", "chardev:console")
                .containsSequence("-qmp", "unix:" + dir.resolve("run/qmp.sock") + ",server=on,wait=off");
        assertThat(line.indexOf("drive=rootfs")).isLessThan(line.indexOf("drive=config"));
        assertThat(line).contains("file=" + dir.resolve("root,,fs.ext4") + ",format=raw,if=none,readonly=off")
                .contains("id=config,file=" + dir.resolve("config.ext4") + ",format=raw,if=none,readonly=on")
                .doesNotContain("netdev");
    }

    @Test
    @DisplayName("a NIC becomes a virtio-net device on the named TAP with the given MAC; KVM uses the host CPU")
    void nicAndKvm() throws Exception {
        VmNic nic = new VmNic("hvm-tap1", "06:00:0a:00:00:05", "10.0.0.5", 24, "10.0.0.1");
        List<String> a = QemuCommand.argv(Path.of("/q"), config(Optional.of(nic)), new Accelerator("kvm", "test"),
                dir.resolve("q.sock"), QemuConfinement.NONE);
        assertThat(a).containsSequence("-accel", "kvm", "-cpu", "host")
                .containsSequence("-netdev", "tap,id=net0,ifname=hvm-tap1,script=no,downscript=no",
                        "-device", "virtio-net-device,netdev=net0,mac=06:00:0a:00:00:05");
    }

    @Test
    @org.junit.jupiter.api.DisplayName("a detached VM never daemonizes; it has a pid file, no terminal, and its console on a "
            + "logged socket")
    void detached() throws Exception {
        DetachedFiles f = DetachedFiles.in(Path.of("/srv/vm,1"));
        List<String> a = QemuCommand.detachedArgv(Path.of("/q"), config(Optional.empty()), new Accelerator("tcg", "t"),
                f, QemuConfinement.NONE);
        org.assertj.core.api.Assertions.assertThat(a).doesNotContain("-nographic", "-daemonize")
                .containsSequence("-display", "none").containsSequence("-pidfile", "/srv/vm,1/qemu.pid")
                .containsSequence("-chardev", "socket,id=console,path=/srv/vm,,1/console.sock,server=on,wait=off,"
                        + "logfile=/srv/vm,,1/console.log,logappend=on")
                .containsSequence("-serial", "chardev:console")
                .containsSequence("-qmp", "unix:/srv/vm,,1/qmp.sock,server=on,wait=off")
                .containsSequence("-blockdev", "driver=qcow2,node-name=vmstate,file.driver=file,"
                        + "file.filename=/srv/vm,,1/vmstate.qcow2")
                .doesNotContain("-S");
        org.assertj.core.api.Assertions.assertThat(QemuCommand.detachedArgv(Path.of("/q"), config(Optional.empty()),
                new Accelerator("tcg", "t"), f, QemuConfinement.NONE, true)).as("a resume starts with the CPUs stopped")
                .contains("-S");
    }

    @Test
    @DisplayName("a job VM has no state image and starts running; a template gets one; a restore also starts "
            + "with the CPUs stopped, the image opened before the user switch")
    void templateAndRestore() throws Exception {
        QemuConfinement user = new QemuConfinement(Optional.of("hearth-vm"));
        Accelerator tcg = new Accelerator("tcg", "t");
        assertThat(QemuCommand.argv(Path.of("/q"), config(Optional.empty()), tcg, dir.resolve("q.sock"), user))
                .doesNotContain("-blockdev", "-S");
        assertThat(QemuCommand.argv(Path.of("/q"), config(Optional.empty()), tcg, dir.resolve("q.sock"), user,
                Optional.of(Path.of("/t/a,b/state.qcow2")), false))
                .containsSequence("-blockdev", "driver=qcow2,node-name=vmstate,file.driver=file,"
                        + "file.filename=/t/a,,b/state.qcow2").doesNotContain("-S");
        List<String> restore = QemuCommand.argv(Path.of("/q"), config(Optional.empty()), tcg, dir.resolve("q.sock"),
                user, Optional.of(Path.of("/r/state.qcow2")), true);
        assertThat(restore).contains("-S");
        assertThat(restore.indexOf("-blockdev")).as("opened before -runas drops privileges")
                .isLessThan(restore.indexOf("-runas"));
    }

    @Test
    @DisplayName("QEMU runs under its seccomp filter, as the unprivileged user when there is one; a detached VM is "
            + "held in exactly as a job VM: spawning denied")
    void confined() throws Exception {
        QemuConfinement user = new QemuConfinement(Optional.of("hearth-vm"));
        List<String> job = QemuCommand.argv(Path.of("/q"), config(Optional.empty()), new Accelerator("tcg", "t"),
                dir.resolve("q.sock"), QemuConfinement.NONE);
        assertThat(job).containsSequence("-sandbox", "on,obsolete=deny,elevateprivileges=deny,spawn=deny,"
                + "resourcecontrol=deny").doesNotContain("-runas");
        assertThat(QemuCommand.argv(Path.of("/q"), config(Optional.empty()), new Accelerator("tcg", "t"),
                dir.resolve("q.sock"), user)).containsSequence("-sandbox", "on,obsolete=deny,spawn=deny,"
                + "resourcecontrol=deny").containsSequence("-runas", "hearth-vm");
        assertThat(QemuCommand.detachedArgv(Path.of("/q"), config(Optional.empty()), new Accelerator("tcg", "t"),
                DetachedFiles.in(dir), user)).containsSequence("-sandbox", "on,obsolete=deny,spawn=deny,"
                + "resourcecontrol=deny").containsSequence("-runas", "hearth-vm");
        assertThat(QemuCommand.detachedArgv(Path.of("/q"), config(Optional.empty()), new Accelerator("tcg", "t"),
                DetachedFiles.in(dir), QemuConfinement.NONE)).containsSequence("-sandbox", "on,obsolete=deny,"
                + "elevateprivileges=deny,spawn=deny,resourcecontrol=deny").doesNotContain("-runas");
    }
}
