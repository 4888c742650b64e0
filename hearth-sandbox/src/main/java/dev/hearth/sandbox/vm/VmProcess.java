// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.vm;

import dev.hearth.sandbox.SandboxException;
import java.time.Duration;
import java.util.Optional;

/**
 * One running VM process, as launched by a {@link Vmm}. Thread-safe; {@link #close()} may run concurrently with
 * {@link #awaitExit} to abort it.
 */
public interface VmProcess extends AutoCloseable {

    /** The VMM process's id on the host. */
    long pid();

    /**
     * Waits up to {@code timeout} for the VM process to end (the guest powered off or rebooted, or it crashed).
     *
     * @return the process's exit code, or empty while it still runs
     */
    Optional<Integer> awaitExit(Duration timeout) throws InterruptedException;

    /** Asks the guest to shut down (ACPI power button or Ctrl-Alt-Del); returns without waiting. */
    void powerDown() throws SandboxException;

    /** Pauses the guest's vCPUs. */
    default void pause() throws SandboxException {
        throw new UnsupportedOperationException("pause is not supported by this VMM");
    }

    /** Resumes a paused guest. */
    default void resume() throws SandboxException {
        throw new UnsupportedOperationException("resume is not supported by this VMM");
    }

    /**
     * The guest's serial console input: what is written here reaches the guest's {@code ttyS0} (QEMU and
     * Firecracker both feed it from the VMM's standard input). Hearth's guest init reads its requests there.
     */
    default java.io.OutputStream consoleInput() {
        throw new UnsupportedOperationException("this VMM gives no console input");
    }

    /** Kills the VM process at once, SIGKILL, and reaps it. */
    void kill();

    /** Kills the VM if it runs and removes its sockets and files; idempotent. */
    @Override
    void close();
}
