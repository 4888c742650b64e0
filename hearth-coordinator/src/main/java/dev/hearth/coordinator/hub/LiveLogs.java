// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.hub;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The output of running jobs as their agents stream it ({@code job_log}), kept in memory until the job's lease ends
 * (its result arrives, or the lease is revoked, reclaimed or cancelled; the result's logs are the durable copy). Per
 * job only the current lease's text is kept: a chunk of a newer epoch starts the text again, one of an older epoch
 * is dropped. Memory is bounded three ways, since a hostile node may stream anything for every job it holds: each
 * job's text is its first {@link #MAX_CHARS} characters (as the result's logs are a prefix too); all jobs together
 * hold at most {@link #MAX_TOTAL_CHARS}; at most {@link #MAX_JOBS} jobs have text. Past either total the texts
 * written to longest ago are dropped whole (the newest are kept), and {@link #dropped()} counts them. Thread-safe.
 */
public final class LiveLogs {

    /** The most characters kept per running job. */
    public static final int MAX_CHARS = 1 << 20;
    /** The most characters kept for all running jobs together (8 to 16 MiB of heap). */
    public static final long MAX_TOTAL_CHARS = 8L << 20;
    /** The most jobs with live text. */
    public static final int MAX_JOBS = 4096;

    private final int maxChars;
    private final long maxTotalChars;
    private final int maxJobs;
    private final Map<String, Text> running = new ConcurrentHashMap<>();
    private final AtomicLong total = new AtomicLong();
    private final AtomicLong writes = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();

    private static final class Text {
        final long epoch;
        final StringBuilder chars = new StringBuilder();
        volatile long lastWrite;

        Text(long epoch) {
            this.epoch = epoch;
        }
    }

    /** Live logs under the default limits. */
    public LiveLogs() {
        this(MAX_CHARS, MAX_TOTAL_CHARS, MAX_JOBS);
    }

    /** Live logs under other limits (tests). */
    LiveLogs(int maxChars, long maxTotalChars, int maxJobs) {
        this.maxChars = maxChars;
        this.maxTotalChars = maxTotalChars;
        this.maxJobs = maxJobs;
    }

    /** Adds a chunk at {@code offset}; overlaps with what is already there are skipped, a gap is bridged. */
    public void append(String jobId, long epoch, long offset, String data) {
        running.compute(jobId, (id, t) -> {
            Text text = t == null || t.epoch < epoch ? new Text(epoch) : t;
            if (t != null && text != t) {
                total.addAndGet(-t.chars.length());
            }
            if (text.epoch != epoch) {
                return text;
            }
            synchronized (text) {
                long have = text.chars.length();
                if (offset + data.length() > have) {
                    String fresh = offset >= have ? data : data.substring((int) (have - offset));
                    int take = Math.min(maxChars - text.chars.length(), fresh.length());
                    text.chars.append(fresh, 0, take);
                    total.addAndGet(take);
                    if (text.chars.length() == maxChars) {
                        text.chars.trimToSize(); // full: no spare capacity held for text that can never come
                    }
                }
                text.lastWrite = writes.incrementAndGet();
            }
            return text;
        });
        while (total.get() > maxTotalChars || running.size() > maxJobs) {
            if (!dropOldest()) {
                break;
            }
        }
    }

    private boolean dropOldest() {
        Map.Entry<String, Text> oldest = null;
        for (Map.Entry<String, Text> e : running.entrySet()) {
            if (oldest == null || e.getValue().lastWrite < oldest.getValue().lastWrite) {
                oldest = e;
            }
        }
        if (oldest == null || !running.remove(oldest.getKey(), oldest.getValue())) {
            return oldest != null; // removed by another thread meanwhile: look again
        }
        synchronized (oldest.getValue()) {
            total.addAndGet(-oldest.getValue().chars.length());
        }
        dropped.incrementAndGet();
        return true;
    }

    /** Forgets a job's live text (its result arrived, or its lease ended). */
    public void forget(String jobId) {
        Text t = running.remove(jobId);
        if (t != null) {
            synchronized (t) {
                total.addAndGet(-t.chars.length());
            }
        }
    }

    /** Characters held now, all jobs together. */
    public long totalChars() {
        return total.get();
    }

    /** Jobs whose text was dropped to keep within the totals, since start. */
    public long dropped() {
        return dropped.get();
    }

    /**
     * A running job's text from {@code offset}, with the epoch it belongs to.
     *
     * @return empty when nothing was streamed for the job (or its text was dropped)
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
