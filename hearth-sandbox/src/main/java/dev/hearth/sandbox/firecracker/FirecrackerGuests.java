// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.firecracker;

import dev.hearth.core.InvalidInputException;
import dev.hearth.core.instance.InstanceSpec;
import dev.hearth.sandbox.GuestHandle;
import dev.hearth.sandbox.SandboxException;
import dev.hearth.sandbox.image.ContentCache;
import dev.hearth.sandbox.microvm.GuestConsole;
import dev.hearth.sandbox.microvm.MicroVmGuests;
import dev.hearth.sandbox.net.HostNetwork;
import dev.hearth.sandbox.vm.VmConfig;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Instances as Firecracker microVMs ({@link MicroVmGuests}), fireclaw's own sandbox: firecracker runs in a session of
 * its own, configured over its API socket in the instance's VM folder, its serial console (its stdin and stdout)
 * wired to a FIFO and {@code console.log} there ({@link FirecrackerFiles}), so any process talks to the guest through
 * {@link GuestConsole#onFifo}. Firecracker needs a working KVM; the guest runs at native speed. Thread-safe.
 */
public final class FirecrackerGuests extends MicroVmGuests {

    private final FirecrackerVmm vmm;

    /**
     * Guests under {@code vmRoot} (FC_ROOT), booted by {@code vmm}, on {@code network}, from images in {@code cache}.
     */
    public FirecrackerGuests(FirecrackerVmm vmm, HostNetwork network, ContentCache cache, Path vmRoot) {
        super(network, cache, vmRoot);
        this.vmm = vmm;
    }

    @Override
    public String name() {
        return "firecracker";
    }

    /** Also refuses the runtime, before anything is made, where firecracker is missing or KVM does not run guests. */
    @Override
    public void check(InstanceSpec spec) throws InterruptedException {
        super.check(spec);
        Optional<String> why;
        try {
            why = vmm.unavailableReason();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InvalidInputException("--runtime", name(), "a runtime whose check was not interrupted");
        }
        why.ifPresent(reason -> {
            throw new InvalidInputException("--runtime", name(), "a runtime that runs on this host (firecracker "
                    + "cannot: " + reason + "; --runtime qemu runs the same guest without it)");
        });
    }

    /** Firecracker boots an uncompressed vmlinux (an ELF file) only. */
    @Override
    protected void checkKernel(Path kernel) {
        FirecrackerVmm.requireVmlinux(kernel, "--base-kernel");
    }

    @Override
    protected String processName() {
        return "firecracker";
    }

    @Override
    protected void launch(GuestHandle guest, VmConfig config, Path dir)
            throws SandboxException, InterruptedException {
        vmm.launchDetached(config, FirecrackerFiles.in(dir));
    }

    @Override
    protected Path pidFile(Path dir) {
        return FirecrackerFiles.in(dir).pidFile();
    }

    @Override
    protected Path marker(Path dir) {
        return FirecrackerFiles.in(dir).apiSocket();
    }

    @Override
    protected GuestConsole console(GuestHandle guest, Path dir) {
        FirecrackerFiles files = FirecrackerFiles.in(dir);
        return GuestConsole.onFifo(files.consoleInput(), files.consoleLog(), () -> pid(guest).isPresent());
    }
}
