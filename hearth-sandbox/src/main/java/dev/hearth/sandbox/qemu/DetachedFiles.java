// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.qemu;

import java.nio.file.Path;

/**
 * The files of a VM that outlives the process that started it (an instance's guest), all in its folder: QMP's
 * socket, the serial console's socket and its log, and QEMU's pid file. Any process finds the VM again through them.
 *
 * @param qmpSocket QMP, one client at a time
 * @param consoleSocket the serial console (Hearth's guest channel), one client at a time
 * @param consoleLog everything the guest printed on its console, appended across restarts
 * @param pidFile the daemonized QEMU's pid
 */
public record DetachedFiles(Path qmpSocket, Path consoleSocket, Path consoleLog, Path pidFile) {

    /**
     * The qcow2 image ({@link VmStateImage}) that holds the VM's saved state, guest memory included, beside its QMP
     * socket; made afresh at every boot.
     */
    public Path vmState() {
        return qmpSocket.resolveSibling("vmstate.qcow2");
    }

    /** The usual names in {@code dir}. */
    public static DetachedFiles in(Path dir) {
        Path d = dir.toAbsolutePath().normalize();
        return new DetachedFiles(d.resolve("qmp.sock"), d.resolve("console.sock"), d.resolve("console.log"),
                d.resolve("qemu.pid"));
    }
}
