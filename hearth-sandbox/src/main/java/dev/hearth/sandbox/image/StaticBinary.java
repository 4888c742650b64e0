// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/** Tells whether an x86-64 ELF executable is statically linked (has no PT_INTERP program header). */
final class StaticBinary {

    private static final int PT_INTERP = 3;

    private StaticBinary() {
    }

    static boolean isStatic(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file)) {
            ByteBuffer header = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(header, 0);
            header.flip();
            if (header.remaining() < 64 || header.getInt(0) != 0x464c457f || header.get(4) != 2) {
                throw new IOException(file + " is not a 64-bit ELF executable");
            }
            long phoff = header.getLong(32);
            int phentsize = Short.toUnsignedInt(header.getShort(54));
            int phnum = Short.toUnsignedInt(header.getShort(56));
            ByteBuffer ph = ByteBuffer.allocate(phentsize * phnum).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(ph, phoff);
            for (int i = 0; i < phnum; i++) {
                if (ph.getInt(i * phentsize) == PT_INTERP) {
                    return false;
                }
            }
            return true;
        }
    }
}
