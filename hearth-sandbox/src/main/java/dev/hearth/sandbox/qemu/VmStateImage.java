// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.qemu;

import dev.hearth.sandbox.SandboxException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The empty qcow2 image a detached VM keeps its saved state in ({@code snapshot-save} writes the guest's memory and
 * devices into the image's vmstate area, {@code snapshot-load} reads them back). QEMU opens it at start, before
 * {@code -runas} drops its privileges, so the unprivileged QEMU can write a state it could not create a file for;
 * written here because Debian's qemu-system package has no {@code qemu-img}.
 *
 * <p>The layout is the one {@code qemu-img create -f qcow2 F 1M} makes (qcow2 version 3, 64 KiB clusters): the
 * header in cluster 0, the refcount table in cluster 1, its one refcount block (16-bit entries, the first four
 * clusters in use) in cluster 2, the one-entry L1 table in cluster 3. The image holds guest memory, secrets
 * included, once a state is saved: mode 0600. Stateless.
 */
public final class VmStateImage {

    /** The node name the image has on QEMU's command line, as {@code snapshot-save} names it. */
    public static final String NODE = "vmstate";

    private static final int CLUSTER = 1 << 16;
    private static final long VIRTUAL_SIZE = 1 << 20;
    private static final int HEADER_LENGTH = 104;

    private VmStateImage() {
    }

    /** Writes an empty image at {@code path}, replacing any there (a stale state is never kept). */
    public static void create(Path path) throws SandboxException {
        ByteBuffer b = ByteBuffer.allocate(4 * CLUSTER); // big-endian, as qcow2 is
        b.putInt(0x514649fb) // "QFI\xfb"
                .putInt(3) // version
                .putLong(0).putInt(0) // no backing file
                .putInt(16) // cluster bits
                .putLong(VIRTUAL_SIZE)
                .putInt(0) // no encryption
                .putInt(1).putLong(3L * CLUSTER) // L1 size and offset
                .putLong(CLUSTER).putInt(1) // refcount table offset and clusters
                .putInt(0).putLong(0) // no snapshots yet
                .putLong(0).putLong(0).putLong(0) // incompatible, compatible, autoclear features
                .putInt(4) // refcount order: 16-bit entries
                .putInt(HEADER_LENGTH);
        // the header extensions end at once (type 0, length 0): the buffer's zeroes after HEADER_LENGTH
        b.putLong(CLUSTER, 2L * CLUSTER);
        for (int i = 0; i < 4; i++) {
            b.putShort(2 * CLUSTER + 2 * i, (short) 1);
        }
        b.rewind();
        try {
            Files.deleteIfExists(path);
            Files.createFile(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE)) {
                while (b.hasRemaining()) {
                    ch.write(b);
                }
            }
        } catch (IOException e) {
            throw new SandboxException("cannot write the VM state image " + path + ": " + e.getMessage(), e);
        }
    }
}
