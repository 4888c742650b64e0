// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.node;

import dev.hearth.sandbox.LogSink;
import java.nio.charset.StandardCharsets;

/**
 * A sink that keeps only the newest {@code limit} bytes of what it is given (a ring), for answering a read of an
 * instance's log tail with a bounded message however much the guest printed. Not thread-safe: a runtime calls its
 * sink from one thread at a time.
 */
final class LogTail implements LogSink {

    private final byte[] ring;
    private long written;

    /** A tail of at most {@code limit} bytes. */
    LogTail(int limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive, not " + limit);
        }
        ring = new byte[limit];
    }

    @Override
    public void accept(Stream stream, byte[] bytes, int offset, int length) {
        // only the last ring.length bytes of a chunk can survive it
        int skip = Math.max(0, length - ring.length);
        written += skip; // a byte's slot is its position in the whole output, modulo the ring
        for (int i = offset + skip; i < offset + length; i++) {
            ring[(int) (written++ % ring.length)] = bytes[i];
        }
    }

    /** Whether older bytes were dropped. */
    boolean cut() {
        return written > ring.length;
    }

    /** The kept bytes, oldest first, as UTF-8 (a character cut at the start becomes U+FFFD). */
    String text() {
        int size = (int) Math.min(written, ring.length);
        byte[] out = new byte[size];
        int start = (int) ((written - size) % ring.length);
        for (int i = 0; i < size; i++) {
            out[i] = ring[(start + i) % ring.length];
        }
        return new String(out, StandardCharsets.UTF_8);
    }
}
