// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.qemu;

import dev.hearth.sandbox.vm.VmConfig;
import dev.hearth.sandbox.vm.VmDrive;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@code qemu-system-x86_64} command line of one microVM: QEMU's {@code microvm} machine (no PCI, no firmware
 * option ROMs, virtio-mmio devices only), nothing QEMU would add by default, the serial console on QEMU's own
 * standard input and output, QMP on a unix socket, and {@code -no-reboot} so a guest reboot ends the process.
 * Stateless.
 */
final class QemuCommand {

    private QemuCommand() {
    }

    /**
     * The argv for {@code config} under {@code accel}, with QMP listening on {@code qmpSocket}, held in by
     * {@code confinement}.
     */
    static List<String> argv(Path binary, VmConfig config, Accelerator accel, Path qmpSocket,
            QemuConfinement confinement) {
        return argv(binary, config, accel, qmpSocket, confinement, Optional.empty(), false);
    }

    /**
     * As {@link #argv(Path, VmConfig, Accelerator, Path, QemuConfinement)}, with a state image ({@link VmStateImage},
     * node {@value VmStateImage#NODE}, attached to no device and opened before {@code -runas}) when given, and, when
     * {@code incoming}, the guest's CPUs stopped at start ({@code -S}) so a saved state can be loaded first.
     */
    static List<String> argv(Path binary, VmConfig config, Accelerator accel, Path qmpSocket,
            QemuConfinement confinement, Optional<Path> stateImage, boolean incoming) {
        List<String> a = argv(binary, config, accel, accelOption(accel), qmpSocket, List.of("-nographic",
                "-chardev", "stdio,id=console,signal=off"));
        stateImage.ifPresent(state -> a.addAll(stateImage(state)));
        if (incoming) {
            a.add("-S");
        }
        a.addAll(confinement.options());
        return a;
    }

    private static List<String> stateImage(Path state) {
        return List.of("-blockdev", "driver=qcow2,node-name=" + VmStateImage.NODE + ",file.driver=file,"
                + "file.filename=" + option(state));
    }

    /**
     * The argv of a VM that outlives the process starting it ({@link QemuVmm#launchDetached} starts it in a session of
     * its own; QEMU itself never forks, so its filter denies spawning): QEMU writes its pid to {@code files.pidFile()}
     * and serves the serial console on a unix socket, one client at a time, while copying everything the guest prints
     * to {@code files.consoleLog()} (appended across restarts) whether or not a client is connected.
     */
    static List<String> detachedArgv(Path binary, VmConfig config, Accelerator accel, DetachedFiles files,
            QemuConfinement confinement) {
        return detachedArgv(binary, config, accel, files, confinement, false);
    }

    /**
     * As {@link #detachedArgv(Path, VmConfig, Accelerator, DetachedFiles, QemuConfinement)}, with the state image
     * ({@link VmStateImage}, node {@value VmStateImage#NODE}) attached to no device, and, when {@code incoming}, the
     * guest's CPUs stopped at start ({@code -S}) so a saved state can be loaded before it runs.
     */
    static List<String> detachedArgv(Path binary, VmConfig config, Accelerator accel, DetachedFiles files,
            QemuConfinement confinement, boolean incoming) {
        // A service's guest runs several busy threads for long (Node and its workers; OpenClaw gives a worker 5 s to
        // start): one host thread per vCPU lets them run in parallel, where a job's short boot is faster on one.
        String accelOption = accel.kvm() ? "kvm" : "tcg,thread=multi";
        List<String> a = argv(binary, config, accel, accelOption, files.qmpSocket(), List.of("-display", "none",
                "-chardev", "socket,id=console,path=" + option(files.consoleSocket()) + ",server=on,wait=off,logfile="
                        + option(files.consoleLog()) + ",logappend=on"));
        a.addAll(List.of("-pidfile", files.pidFile().toString()));
        // opened before -runas drops privileges: the unprivileged QEMU writes its saved state into it
        a.addAll(stateImage(files.vmState()));
        if (incoming) {
            a.add("-S");
        }
        a.addAll(confinement.options());
        return a;
    }

    private static List<String> argv(Path binary, VmConfig config, Accelerator accel, String accelOption,
            Path qmpSocket, List<String> display) {
        List<String> a = new ArrayList<>(List.of(binary.toString(), "-name", "hearth-" + config.id(),
                "-M", "microvm,x-option-roms=off,isa-serial=on",
                "-accel", accelOption, "-cpu", accel.kvm() ? "host" : "max",
                "-smp", Integer.toString(config.vcpus()), "-m", config.memoryMib() + "M",
                "-nodefaults", "-no-user-config", "-no-reboot",
                "-kernel", config.kernel().toString()));
        a.addAll(display);
        config.initrd().ifPresent(i -> a.addAll(List.of("-initrd", i.toString())));
        a.addAll(List.of("-append", config.bootArgs() + (accel.kvm() ? "" : TcgClock.bootArgs()),
                "-serial", "chardev:console",
                "-qmp", "unix:" + option(qmpSocket) + ",server=on,wait=off"));
        // The root drive first: the guest kernel names virtio-mmio disks in the order QEMU creates them, and its
        // command line says root=/dev/vda.
        List<VmDrive> drives = new ArrayList<>(config.drives());
        drives.sort((x, y) -> Boolean.compare(y.root(), x.root()));
        for (VmDrive d : drives) {
            a.addAll(List.of("-drive", "id=" + d.id() + ",file=" + option(d.path()) + ",format=raw,if=none,readonly="
                    + (d.readOnly() ? "on" : "off"), "-device", "virtio-blk-device,drive=" + d.id()));
        }
        config.nic().ifPresent(nic -> a.addAll(List.of(
                "-netdev", "tap,id=net0,ifname=" + nic.tapName() + ",script=no,downscript=no",
                "-device", "virtio-net-device,netdev=net0,mac=" + nic.mac())));
        return a;
    }

    /**
     * The {@code -accel} value. TCG runs single-threaded: on a small, busy host, one thread per vCPU lets a
     * preempted vCPU stall the others spinning on it (boots took over a minute under load here), while one thread
     * round-robin boots a 2-vCPU guest faster (3.4 s against 4.4 s on this 2-core machine).
     */
    static String accelOption(Accelerator accel) {
        return accel.kvm() ? "kvm" : "tcg,thread=single";
    }

    /** A path inside a QEMU option value, where a comma must be doubled. */
    private static String option(Path p) {
        return p.toString().replace(",", ",,");
    }
}
