// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.jobs;

import dev.hearth.sandbox.LogSink;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;

/**
 * Collects a job's output under HN_MAX_LOG_SIZE semantics: stdout and stderr interleaved as they arrive, decoded as
 * UTF-8 with replacement, cut to the first {@code maxChars} characters (code points, as Python counts them), with
 * an explicit marker when cut. Every byte is counted, kept or not, so memory stays bounded whatever the job writes.
 *
 * <p>Not thread-safe: a sandbox delivers its output from one thread at a time.
 */
public final class LogCapture implements LogSink {

    /** HN_MAX_LOG_SIZE's default: 10000 characters. */
    public static final int DEFAULT_MAX_CHARS = 10_000;

    private final int maxChars;
    private final StringBuilder kept = new StringBuilder();
    private final Map<Stream, CharsetDecoder> decoders = new EnumMap<>(Stream.class);
    private final CharBuffer chars = CharBuffer.allocate(8192);
    private int keptCodePoints;
    private long totalBytes;
    private boolean truncated;
    private final Map<Stream, ByteBuffer> pending = new EnumMap<>(Stream.class);

    /** A capture that keeps at most {@code maxChars} characters. */
    public LogCapture(int maxChars) {
        if (maxChars < 1) {
            throw new IllegalArgumentException("log cap must be at least 1 character, got " + maxChars);
        }
        this.maxChars = maxChars;
    }

    @Override
    public void accept(Stream stream, byte[] bytes, int offset, int length) {
        totalBytes += length;
        if (truncated) {
            return;
        }
        ByteBuffer in = join(stream, ByteBuffer.wrap(bytes, offset, length));
        CharsetDecoder decoder = decoders.computeIfAbsent(stream, s -> StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE));
        while (!truncated) {
            chars.clear();
            var result = decoder.decode(in, chars, false);
            chars.flip();
            keep(chars);
            if (result.isUnderflow()) {
                break;
            }
        }
        // An incomplete multi-byte sequence at the end waits for the next chunk of the same stream.
        if (in.hasRemaining() && !truncated) {
            ByteBuffer rest = ByteBuffer.allocate(in.remaining());
            rest.put(in).flip();
            pending.put(stream, rest);
        } else {
            pending.remove(stream);
        }
    }

    private ByteBuffer join(Stream stream, ByteBuffer next) {
        ByteBuffer before = pending.remove(stream);
        if (before == null) {
            return next;
        }
        ByteBuffer both = ByteBuffer.allocate(before.remaining() + next.remaining());
        both.put(before).put(next).flip();
        return both;
    }

    private void keep(CharBuffer decoded) {
        while (decoded.hasRemaining()) {
            if (keptCodePoints >= maxChars) {
                truncated = true;
                return;
            }
            char c = decoded.get();
            kept.append(c);
            if (Character.isHighSurrogate(c) && decoded.hasRemaining()) {
                kept.append(decoded.get());
            }
            keptCodePoints++;
        }
    }

    /** Bytes received in all, including those past the cap. */
    public long totalBytes() {
        return totalBytes;
    }

    /** Whether output beyond the cap was dropped. */
    public boolean truncated() {
        return truncated;
    }

    /**
     * The captured text: the first {@code maxChars} characters, then, when cut, a marker line saying so.
     * Bytes of an unfinished character at the very end become a replacement character, as Python's decode does.
     */
    public String text() {
        StringBuilder out = new StringBuilder(kept);
        if (!truncated) {
            for (ByteBuffer rest : pending.values()) {
                if (rest.hasRemaining()) {
                    out.append('\uFFFD');
                }
            }
        }
        if (truncated) {
            out.append("\n[hearth: log truncated after ").append(maxChars).append(" characters; the job wrote ")
                    .append(totalBytes).append(" bytes]\n");
        }
        return out.toString();
    }
}
