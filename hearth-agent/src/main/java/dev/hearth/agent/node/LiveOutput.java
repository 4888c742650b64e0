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
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A running job's output on its way to the coordinator as {@code job_log} chunks: decoded per stream (a character
 * split across two reads is kept whole), merged in arrival order as the result's logs are, and all of it streamed,
 * not only the result's first characters (the coordinator keeps the full log). Memory is bounded: at most
 * {@code maxPending} characters wait for the link; when the link falls behind (or is down) the output that does not
 * fit is dropped, and so is what follows until the waiting text has gone out, where a line
 * {@code --- hearth: N characters of output dropped here ... ---} takes its place in the stream. Chunks are at most
 * {@link #CHUNK_CHARS} characters, so a frame stays far below the coordinator's cap even when every character needs
 * a JSON escape. Thread-safe: the sandbox writes, the heartbeat thread and the job's thread drain.
 */
final class LiveOutput implements LogSink {

    /** The most characters that wait for the link per job by default (2 MiB of heap). */
    static final int MAX_PENDING = 1 << 20;
    /** The most characters in one {@code job_log}: 64 Ki, at most 384 KiB of JSON. */
    static final int CHUNK_CHARS = 64 * 1024;

    private final int maxPending;
    private final Decoder stdout = new Decoder();
    private final Decoder stderr = new Decoder();
    private final StringBuilder pending = new StringBuilder();
    private long taken;
    private long dropped;

    LiveOutput(int maxPending) {
        this.maxPending = maxPending;
    }

    @Override
    public synchronized void accept(Stream stream, byte[] bytes, int offset, int length) {
        String text = (stream == Stream.STDERR ? stderr : stdout).decode(bytes, offset, length);
        if (dropped > 0) {
            dropped += text.length(); // the marker is not written yet: nothing may slip in before it
            return;
        }
        int room = maxPending - pending.length();
        int keep = Math.min(room, text.length());
        if (keep > 0 && keep < text.length() && Character.isHighSurrogate(text.charAt(keep - 1))) {
            keep--; // never split a surrogate pair
        }
        pending.append(text, 0, keep);
        dropped += text.length() - keep;
    }

    /**
     * Hands the waiting output to {@code send} as chunks of the job's lease, in order, while {@code room} says the
     * link takes more; the drop marker follows once the text before it is out. Called under this object's lock, so
     * chunks drained by two threads never overtake each other ({@code send} must only queue).
     *
     * @return how many chunks were handed over
     */
    synchronized int drain(String jobId, long epoch, BooleanSupplier room, Consumer<JobLog> send) {
        int chunks = 0;
        while ((!pending.isEmpty() || dropped > 0) && room.getAsBoolean()) {
            if (pending.isEmpty()) {
                pending.append("\n--- hearth: ").append(dropped).append(" characters of output dropped here: the link"
                        + " to the coordinator fell behind the job ---\n");
                dropped = 0;
            }
            int n = Math.min(CHUNK_CHARS, pending.length());
            if (n < pending.length() && Character.isHighSurrogate(pending.charAt(n - 1))) {
                n--;
            }
            String data = pending.substring(0, n);
            pending.delete(0, n);
            send.accept(new JobLog(jobId, epoch, taken, data));
            taken += n;
            chunks++;
        }
        if (pending.capacity() > CHUNK_CHARS && pending.isEmpty()) {
            pending.setLength(0);
            pending.trimToSize(); // a burst's buffer is not held for the rest of the job
        }
        return chunks;
    }

    /** The output since the last call as one chunk (at most {@link #CHUNK_CHARS}); empty when nothing waits. */
    Optional<JobLog> take(String jobId, long epoch) {
        JobLog[] one = new JobLog[1];
        drain(jobId, epoch, () -> one[0] == null, c -> one[0] = c);
        return Optional.ofNullable(one[0]);
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
