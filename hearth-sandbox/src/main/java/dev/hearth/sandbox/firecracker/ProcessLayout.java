// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.firecracker;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Where one Firecracker process's files lie, on the host and as the process sees them, and the command that starts
 * it. {@link DirectLayout}: firecracker runs as it is and sees host paths. {@link JailedLayout}: the jailer chroots
 * it, so every file it opens is linked into the chroot and named by its path there. Used by one launch; its
 * {@link #remove()} may run from another thread (close), so implementations keep their records thread-safe.
 */
sealed interface ProcessLayout permits DirectLayout, JailedLayout {

    /** The API socket's file name (direct) or path inside the chroot (jailed). */
    String SOCKET = "firecracker.sock";
    /** Firecracker's own log. */
    String LOG = "firecracker.log";
    /** Firecracker's metrics. */
    String METRICS = "firecracker.metrics";

    /** Makes the folders the process needs, and removes a stale socket a crashed earlier run left. */
    void prepare() throws IOException;

    /** The command line that starts the VMM. */
    List<String> command(Path firecracker);

    /** The API socket on the host. */
    Path socket();

    /**
     * Creates an empty file the process will write (log, metrics), owned so the process may write it.
     *
     * @return its path as the process sees it
     */
    String createOutput(String name) throws IOException;

    /** The host path of an output file made by {@link #createOutput}. */
    Path output(String name);

    /**
     * Makes a host file (kernel, drive, snapshot) available to the process under {@code name}.
     *
     * @param writable whether the guest writes it (a read-write drive)
     * @return its path as the process sees it
     */
    String expose(Path hostFile, String name, boolean writable) throws IOException;

    /** Removes everything this layout made (socket, outputs, links, folders); idempotent; never throws. */
    void remove();
}
