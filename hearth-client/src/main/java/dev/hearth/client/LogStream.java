// SPDX-License-Identifier: Apache-2.0
package dev.hearth.client;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The bytes of a followed log, turned into text for a sink while keeping the place to reconnect from: the byte
 * {@link #offset()} into the current lease's log and its {@link #epoch()}. A line
 * {@code --- hearth: job placed again (epoch N) ---} (at a line start) switches to epoch N, whose output starts
 * after it at offset 0; a line that may be that marker is held back until it is whole, so the offset never stops
 * inside it. UTF-8 is decoded across reads (a character split between two reads is whole in the sink). Used by one
 * thread.
 */
final class LogStream {

    private static final byte[] PREFIX = "--- hearth: job placed again (epoch ".getBytes(StandardCharsets.US_ASCII);
    private static final Pattern MARKER = Pattern.compile("--- hearth: job placed again \\(epoch ([0-9]{1,18})\\) ---\n");
    private static final int LONGEST_MARKER = 80;

    private final Consumer<String> sink;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
    private final ByteArrayOutputStream held = new ByteArrayOutputStream();
    private ByteBuffer carry = ByteBuffer.allocate(0);
    private boolean lineStart = true;
    private long offset;
    private long epoch = -1;

    LogStream(Consumer<String> sink) {
        this.sink = sink;
    }

    /** The byte offset, in the current lease's log, of the first byte not yet handed on. */
    long offset() {
        return offset;
    }

    /** The lease epoch the offset belongs to, or -1 before the first answer named one. */
    long epoch() {
        return epoch;
    }

    /** The epoch an answer's {@code Hearth-Log-Epoch} names, taken when none is known yet. */
    void answeredEpoch(long served) {
        if (epoch < 0) {
            epoch = served;
        }
    }

    /**
     * A new connection starts at {@link #offset()}: a line held back as a possible marker is sent again by the
     * coordinator, so it is dropped here.
     */
    void reconnecting() {
        if (held.size() > 0) {
            held.reset();
            lineStart = true;
        }
    }

    /** Takes {@code n} bytes of the log. */
    void feed(byte[] b, int n) {
        int plainFrom = 0;
        for (int i = 0; i < n; i++) {
            byte c = b[i];
            if (held.size() == 0) {
                if (!(lineStart && c == PREFIX[0])) {
                    lineStart = c == '\n';
                    continue;
                }
                emit(b, plainFrom, i - plainFrom);
            }
            held.write(c);
            plainFrom = i + 1;
            byte[] h = held.toByteArray();
            if (c == '\n') {
                held.reset();
                lineStart = true;
                emit(h, 0, h.length);
                Matcher m = MARKER.matcher(new String(h, StandardCharsets.US_ASCII));
                if (m.matches()) {
                    epoch = Long.parseLong(m.group(1));
                    offset = 0; // the new lease's output starts after this line
                }
            } else if (h.length > LONGEST_MARKER
                    || h.length <= PREFIX.length && !Arrays.equals(h, 0, h.length, PREFIX, 0, h.length)) {
                held.reset();
                lineStart = false;
                emit(h, 0, h.length);
            }
        }
        emit(b, plainFrom, n - plainFrom);
    }

    /** The log is complete: whatever is held is handed on. */
    void finish() {
        byte[] h = held.toByteArray();
        held.reset();
        emit(h, 0, h.length);
        if (carry.hasRemaining()) {
            CharBuffer rest = CharBuffer.allocate(carry.remaining() * 2 + 2);
            utf8.decode(carry, rest, true);
            utf8.flush(rest);
            carry = ByteBuffer.allocate(0);
            if (rest.flip().hasRemaining()) {
                sink.accept(rest.toString());
            }
        }
    }

    private void emit(byte[] b, int from, int length) {
        if (length <= 0) {
            return;
        }
        offset += length;
        ByteBuffer in = ByteBuffer.allocate(carry.remaining() + length).put(carry).put(b, from, length).flip();
        CharBuffer chars = CharBuffer.allocate(in.remaining() + 1);
        utf8.decode(in, chars, false);
        carry = ByteBuffer.allocate(in.remaining()).put(in).flip();
        if (chars.flip().hasRemaining()) {
            sink.accept(chars.toString());
        }
    }
}
