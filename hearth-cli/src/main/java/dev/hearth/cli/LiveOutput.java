// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import dev.hearth.sandbox.LogSink;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Shows a job's output on the terminal as it arrives: stdout to one writer, stderr to another, decoding UTF-8
 * per stream so a character split between two chunks is shown whole. Not thread-safe (sandboxes deliver in order).
 */
final class LiveOutput implements LogSink {

    private final PrintWriter out;
    private final PrintWriter err;
    private final Decoder outDecoder = new Decoder();
    private final Decoder errDecoder = new Decoder();

    LiveOutput(PrintWriter out, PrintWriter err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public void accept(Stream stream, byte[] bytes, int offset, int length) {
        boolean isErr = stream == Stream.STDERR;
        PrintWriter target = isErr ? err : out;
        target.write((isErr ? errDecoder : outDecoder).decode(bytes, offset, length));
        target.flush();
    }

    private static final class Decoder {
        private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
        private byte[] carry = new byte[0];

        String decode(byte[] bytes, int offset, int length) {
            ByteBuffer in = ByteBuffer.allocate(carry.length + length);
            in.put(carry).put(bytes, offset, length).flip();
            CharBuffer chars = CharBuffer.allocate(in.remaining() + 1);
            utf8.decode(in, chars, false);
            carry = new byte[in.remaining()];
            in.get(carry);
            return chars.flip().toString();
        }
    }
}
