// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.node;

import dev.hearth.core.protocol.JobLog;
import dev.hearth.sandbox.LogSink;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * A running job's output on its way to the coordinator as {@code job_log} chunks: decoded per stream (a character
 * split across two reads is kept whole), merged in arrival order as the result's logs are, and capped at the
 * result's character limit. Thread-safe: the sandbox writes, the heartbeat thread takes.
 */
final class LiveOutput implements LogSink {

    private final int maxChars;
    private final Decoder stdout = new Decoder();
    private final Decoder stderr = new Decoder();
    private final StringBuilder pending = new StringBuilder();
    private long taken;

    LiveOutput(int maxChars) {
        this.maxChars = maxChars;
    }

    @Override
    public synchronized void accept(Stream stream, byte[] bytes, int offset, int length) {
        String text = (stream == Stream.STDERR ? stderr : stdout).decode(bytes, offset, length);
        long room = maxChars - taken - pending.length();
        if (room > 0) {
            pending.append(text, 0, (int) Math.min(room, text.length()));
        }
    }

    /** The output since the last call, as a chunk of the job's lease; empty when nothing new arrived. */
    synchronized Optional<JobLog> take(String jobId, long epoch) {
        if (pending.isEmpty()) {
            return Optional.empty();
        }
        JobLog chunk = new JobLog(jobId, epoch, taken, pending.toString());
        taken += pending.length();
        pending.setLength(0);
        return Optional.of(chunk);
    }

    /** UTF-8 decoding that keeps an incomplete trailing character for the next read. */
    private static final class Decoder {
        private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
        private byte[] carry = new byte[0];

        String decode(byte[] bytes, int offset, int length) {
            ByteBuffer in = ByteBuffer.allocate(carry.length + length).put(carry).put(bytes, offset, length).flip();
            CharBuffer out = CharBuffer.allocate(in.remaining() + 1);
            utf8.decode(in, out, false);
            carry = new byte[in.remaining()];
            in.get(carry);
            return out.flip().toString();
        }
    }
}
