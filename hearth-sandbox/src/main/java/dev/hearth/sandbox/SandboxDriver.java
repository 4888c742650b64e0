// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox;

import java.util.Set;

/**
 * A kind of sandbox (Docker container, Firecracker or QEMU microVM) and the host resources it runs on.
 *
 * <p>Implementations are thread-safe: several sandboxes may be created and driven concurrently. Closing the
 * driver closes every sandbox it still holds, so an agent that shuts down leaves nothing behind.
 */
public interface SandboxDriver extends AutoCloseable {

    /** Short name used on the command line: {@code docker}, {@code firecracker}, {@code qemu}. */
    String name();

    /** What this driver can do on this host. */
    Set<DriverCapability> capabilities();

    /**
     * Creates a sandbox from the spec, ready to start: its image resolved and its files delivered.
     *
     * <p>On failure nothing created for it is left behind.
     *
     * @throws ImageNotFoundException when the image is neither present nor pullable
     * @throws SandboxException when the engine refuses or cannot be reached
     * @throws InterruptedException when interrupted while creating; anything half-made is removed
     */
    Sandbox create(SandboxSpec spec) throws SandboxException, InterruptedException;

    /**
     * Checks that the engine behind this driver answers now, for health checks.
     *
     * @throws SandboxException naming what did not answer
     */
    void ping() throws SandboxException;

    /** Closes every sandbox still open and releases the connection to the engine. */
    @Override
    void close();
}
