package dev.hearth.coordinator.hub;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The output of running jobs as their agents stream it ({@code job_log}), kept in memory until the job's result
 * arrives (the result's logs are the durable copy). Per job only the current lease's text is kept: a chunk of a
 * newer epoch starts the text again, one of an older epoch is dropped. Each job's text is capped. Thread-safe.
 */
public final class LiveLogs {

    /** The most characters kept per running job. */
    public static final int MAX_CHARS = 1 << 20;

    private final Map<String, Text> running = new ConcurrentHashMap<>();

    private static final class Text {
        final long epoch;
        final StringBuilder chars = new StringBuilder();

        Text(long epoch) {
            this.epoch = epoch;
        }
    }

    /** Adds a chunk at {@code offset}; overlaps with what is already there are skipped, a gap is bridged. */
    public void append(String jobId, long epoch, long offset, String data) {
        running.compute(jobId, (id, t) -> {
            Text text = t == null || t.epoch < epoch ? new Text(epoch) : t;
            if (text.epoch != epoch) {
                return text;
            }
            synchronized (text) {
                long have = text.chars.length();
                if (offset + data.length() > have) {
                    String fresh = offset >= have ? data : data.substring((int) (have - offset));
                    int room = MAX_CHARS - text.chars.length();
                    text.chars.append(fresh, 0, Math.min(room, fresh.length()));
                }
            }
            return text;
        });
    }

    /** Forgets a job's live text (its result arrived, or it ended). */
    public void forget(String jobId) {
        running.remove(jobId);
    }

    /**
     * A running job's text from {@code offset}, with the epoch it belongs to.
     *
     * @return empty when nothing was streamed for the job
     */
    public Optional<Chunk> read(String jobId, long offset) {
        Text t = running.get(jobId);
        if (t == null) {
            return Optional.empty();
        }
        synchronized (t) {
            int length = t.chars.length();
            String data = offset >= length ? "" : t.chars.substring((int) Math.max(0, offset));
            return Optional.of(new Chunk(t.epoch, length, data));
        }
    }

    /**
     * Live text of a job.
     *
     * @param epoch the lease it came from
     * @param length all characters streamed so far
     * @param data the text from the asked offset
     */
    public record Chunk(long epoch, long length, String data) {
    }
}
