// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.vm;

import dev.hearth.sandbox.LogSink;
import dev.hearth.sandbox.SandboxException;

/**
 * A virtual machine monitor that boots microVMs: Firecracker or QEMU's microvm machine. One Vmm serves many VMs
 * and is thread-safe; each launch gives a {@link VmProcess} of its own.
 */
public interface Vmm {

    /** {@code firecracker} or {@code qemu}. */
    String name();

    /**
     * Starts one VM process, configures it and boots the guest; the guest's serial console goes to
     * {@code console} as {@link LogSink.Stream#CONSOLE} from the first byte.
     *
     * <p>On failure nothing it started or made is left behind (process, sockets, files in the run folder).
     *
     * @throws SandboxException naming the step that failed, with the VMM's own error text
     * @throws InterruptedException when interrupted while starting; the half-started VM is killed
     */
    VmProcess launch(VmConfig config, LogSink console) throws SandboxException, InterruptedException;
}
