// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.vm;

import dev.hearth.sandbox.LogSink;
import dev.hearth.sandbox.SandboxException;
import java.nio.file.Path;

/**
 * A {@link Vmm} that can write a running VM to disk and boot a new VM process from it (Firecracker can; QEMU's
 * microvm machine does not offer it to Hearth). Callers check with {@code vmm instanceof VmSnapshots}. Thread-safe.
 */
public interface VmSnapshots {

    /**
     * Writes a full snapshot of {@code vm}, which must be a process this VMM launched and must be paused
     * ({@link VmProcess#pause()}); it stays paused. Existing files at the two paths are replaced.
     *
     * @throws SandboxException naming the VM and the VMM's own error text
     * @throws InterruptedException when interrupted while the VMM writes
     */
    VmSnapshot snapshot(VmProcess vm, Path state, Path memory) throws SandboxException, InterruptedException;

    /**
     * Starts a new VM process from {@code snapshot} and resumes it. {@code config} gives the new process its id, run
     * folder and NIC (its TAP replaces the one recorded); the snapshot's vCPUs, memory, kernel and drives are those
     * of the VM it was taken from. Same failure contract as {@link Vmm#launch}.
     */
    VmProcess restore(VmConfig config, VmSnapshot snapshot, LogSink console)
            throws SandboxException, InterruptedException;
}
