// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.microvm;

import dev.hearth.sandbox.GuestHandle;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.image.ContentCache;
import dev.hearth.sandbox.net.HostNetwork;
import dev.hearth.sandbox.qemu.DetachedFiles;
import dev.hearth.sandbox.qemu.QemuVmm;
import dev.hearth.sandbox.vm.VmConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Instances as QEMU microVMs ({@link MicroVmGuests}): QEMU runs in a session of its own, never daemonized (so its
 * seccomp filter denies spawning; see {@link QemuVmm#launchDetached}), and its serial console and QMP listen on unix
 * sockets in the instance's VM folder ({@link DetachedFiles}), with QEMU's own copy of the console in
 * {@code console.log}. Under TCG (no usable KVM) the guest is given {@link #TCG_SLOWDOWN} times the usual waits.
 * Thread-safe.
 */
public final class QemuGuests extends MicroVmGuests {

    private static final String ACCEL = "accelerator";
    /**
     * How much slower than native an emulated (TCG) guest runs OpenClaw: 17x measured here (one {@code openclaw
     * config set}: 7.5 s in a container, 125 s under TCG), rounded up.
     */
    static final int TCG_SLOWDOWN = 20;

    private final QemuVmm vmm;

    /**
     * Guests under {@code vmRoot} (FC_ROOT), booted by {@code vmm}, on {@code network}, from images in {@code cache}.
     */
    public QemuGuests(QemuVmm vmm, HostNetwork network, ContentCache cache, Path vmRoot) {
        super(network, cache, vmRoot);
        this.vmm = vmm;
    }

    @Override
    public String name() {
        return "qemu";
    }

    @Override
    protected String processName() {
        return "QEMU";
    }

    @Override
    protected void launch(GuestHandle guest, VmConfig config, Path dir)
            throws SandboxException, IOException, InterruptedException {
        Files.writeString(dir.resolve(ACCEL), vmm.accelerator(config.kernel()).kind());
        vmm.launchDetached(config, DetachedFiles.in(dir));
    }

    @Override
    public boolean canPause() {
        return true;
    }

    @Override
    protected void save(GuestHandle guest, Path dir, Duration within) throws SandboxException, InterruptedException {
        vmm.saveDetached(guest.id(), DetachedFiles.in(dir), within);
    }

    @Override
    protected void relaunch(GuestHandle guest, VmConfig config, Path dir)
            throws SandboxException, InterruptedException {
        vmm.resumeDetached(config, DetachedFiles.in(dir));
    }

    @Override
    protected Path pidFile(Path dir) {
        return DetachedFiles.in(dir).pidFile();
    }

    @Override
    protected Path marker(Path dir) {
        return DetachedFiles.in(dir).qmpSocket();
    }

    @Override
    protected GuestConsole console(GuestHandle guest, Path dir) {
        return GuestConsole.onSocket(DetachedFiles.in(dir).consoleSocket());
    }

    @Override
    public int slowdown(GuestHandle guest) {
        try {
            return Files.readString(folder(guest).resolve(ACCEL)).strip().equals("tcg") ? TCG_SLOWDOWN : 1;
        } catch (IOException e) {
            return 1;
        }
    }
}
