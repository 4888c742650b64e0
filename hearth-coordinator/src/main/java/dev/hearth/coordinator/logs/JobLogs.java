// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.logs;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The full logs of jobs: the output each lease's agent streams ({@code job_log}), appended as UTF-8 to a file
 * {@code <jobId>.<epoch>.log} in the coordinator's {@code logs} folder, beside the result's capped proof logs. Per job
 * one lease's file is kept: a newer epoch's first chunk removes the older files, a result keeps its lease's file
 * ({@link #finished}), a job that ends without one loses them ({@link #abandoned}), and pruning removes the rest
 * ({@link #pruned}). Each file holds at most {@code maxBytes} of output, then one truncation line
 * ({@link #truncationLine}); later chunks are counted and dropped without touching the disk, so an agent that streams
 * for ever costs no more than the cap. Offsets in the files are UTF-8 bytes. Memory per running lease is a few
 * numbers: chunks are written as they arrive (a chunk is bounded by the agents' frame cap). Followers wait on
 * {@link #await} and are woken by new output, never by polling. Thread-safe.
 */
public final class JobLogs implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(JobLogs.class);
    private static final Pattern FILE = Pattern.compile("([A-Za-z0-9_-]{1,64})\\.([0-9]{1,19})\\.log");
    /** A job id usable in a file name (the coordinator makes UUIDs; anything else is never written). */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private final Path dir;
    private final long maxBytes;
    private final Map<String, Lease> leases = new ConcurrentHashMap<>();
    private final Map<String, Watch> watches = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** The writing state of one job's current lease. */
    private static final class Lease {
        final long epoch;
        long chars;
        long bytes;
        boolean truncated;
        long droppedChars;

        Lease(long epoch) {
            this.epoch = epoch;
        }
    }

    /** Followers of one job waiting for output. */
    private static final class Watch {
        int waiters;
        long version;
    }

    /**
     * Full logs in {@code dir} (made if absent), each lease's file capped at {@code maxBytes}.
     *
     * @throws IOException when the folder cannot be made
     */
    public JobLogs(Path dir, long maxBytes) throws IOException {
        if (maxBytes < 1) {
            throw new IllegalArgumentException("--job-log-max must be at least 1 byte, got " + maxBytes);
        }
        this.dir = Files.createDirectories(dir);
        this.maxBytes = maxBytes;
    }

    /** The cap per lease's file, in bytes. */
    public long maxBytes() {
        return maxBytes;
    }

    /** The line that ends a file cut at the cap. */
    public String truncationLine() {
        return "\n--- hearth: full log truncated at " + maxBytes + " bytes (the coordinator's --job-log-max); later "
                + "output was not kept ---\n";
    }

    /**
     * Appends a chunk of lease {@code epoch} of job {@code jobId} starting at character {@code offset} of the lease's
     * output: what overlaps the text already written is skipped, a gap is bridged; a chunk of an older epoch than the
     * job's newest is dropped, one of a newer epoch starts a new file and removes the older ones. The caller has
     * checked that the lease is current. Never throws: a disk error is logged and the chunk lost.
     */
    public void append(String jobId, long epoch, long offset, String data) {
        if (!ID.matcher(jobId).matches() || epoch < 0 || closed) {
            return;
        }
        Lease lease = leases.compute(jobId, (id, l) -> l != null && l.epoch >= epoch ? l : opened(id, epoch));
        boolean wrote;
        synchronized (lease) {
            if (lease.epoch != epoch) {
                return;
            }
            wrote = write(jobId, lease, offset, data);
        }
        if (wrote) {
            wake(jobId);
        }
    }

    /** A lease's state: from its file when the coordinator restarted while the job ran; older files removed. */
    private Lease opened(String jobId, long epoch) {
        Lease l = new Lease(epoch);
        try {
            Path file = file(jobId, epoch);
            if (Files.exists(file)) {
                l.bytes = Files.size(file);
                l.chars = -1; // unknown: the next chunk's offset is taken as where the text stands
                l.truncated = l.bytes >= maxBytes;
            }
        } catch (IOException e) {
            log.warn("full log of job {} (epoch {}) could not be read back: {}", jobId, epoch, e.getMessage());
        }
        removeExcept(jobId, epoch);
        return l;
    }

    private boolean write(String jobId, Lease lease, long offset, String data) {
        if (lease.chars < 0) {
            lease.chars = offset;
        }
        if (offset + data.length() <= lease.chars) {
            return false; // already written
        }
        String fresh = offset >= lease.chars ? data : data.substring((int) (lease.chars - offset));
        lease.chars = offset + data.length();
        if (lease.truncated) {
            lease.droppedChars += fresh.length();
            return false;
        }
        ByteBuffer bytes = utf8(fresh);
        boolean cut = lease.bytes + bytes.remaining() > maxBytes;
        if (cut) {
            bytes.limit(boundary(bytes, (int) (maxBytes - lease.bytes)));
        }
        try (OutputStream out = Files.newOutputStream(file(jobId, lease.epoch), StandardOpenOption.CREATE,
                StandardOpenOption.APPEND)) {
            out.write(bytes.array(), 0, bytes.limit());
            lease.bytes += bytes.limit();
            if (cut) {
                out.write(truncationLine().getBytes(StandardCharsets.UTF_8));
                lease.truncated = true;
                log.info("full log of job {} (epoch {}) reached --job-log-max of {} bytes; later output is dropped",
                        jobId, lease.epoch, maxBytes);
            }
        } catch (IOException e) {
            log.warn("could not append to the full log of job {} (epoch {}): {}", jobId, lease.epoch, e.getMessage());
            return false;
        }
        return true;
    }

    private static ByteBuffer utf8(String text) {
        CharsetEncoder enc = StandardCharsets.UTF_8.newEncoder().onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        try {
            return enc.encode(CharBuffer.wrap(text));
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IllegalStateException("a replacing encoder does not fail", e);
        }
    }

    /** The largest length at most {@code max} that does not cut a UTF-8 sequence. */
    private static int boundary(ByteBuffer b, int max) {
        int n = Math.max(0, max);
        while (n > 0 && n < b.limit() && (b.get(n) & 0xC0) == 0x80) {
            n--;
        }
        return n;
    }

    /** Lease {@code epoch}'s result was accepted: its file is the job's full log for good; others go. */
    public void finished(String jobId, long epoch) {
        leases.remove(jobId);
        removeExcept(jobId, epoch);
        wake(jobId);
    }

    /**
     * Job {@code jobId} ended without a result of lease {@code keepEpoch} (cancelled, out of attempts; -1 when it has
     * no result at all): the files of its abandoned leases go.
     */
    public void abandoned(String jobId, long keepEpoch) {
        leases.remove(jobId);
        removeExcept(jobId, keepEpoch);
        wake(jobId);
    }

    /**
     * Lease {@code epoch} of job {@code jobId} turned out stale just as its chunk was written (the job was cancelled
     * or taken back meanwhile): that lease's file goes, a newer lease's stays.
     */
    public void staleLease(String jobId, long epoch) {
        leases.computeIfPresent(jobId, (id, l) -> l.epoch == epoch ? null : l);
        if (ID.matcher(jobId).matches()) {
            try {
                Files.deleteIfExists(file(jobId, epoch));
            } catch (IOException e) {
                log.warn("could not remove the full log of job {}'s stale lease {}: {}", jobId, epoch, e.getMessage());
            }
        }
        wake(jobId);
    }

    /** Job {@code jobId} was pruned: its full log goes. */
    public void pruned(String jobId) {
        abandoned(jobId, -1);
    }

    private void removeExcept(String jobId, long keep) {
        if (!ID.matcher(jobId).matches()) {
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, jobId + ".*.log")) {
            for (Path f : files) {
                Matcher m = FILE.matcher(f.getFileName().toString());
                if (m.matches() && m.group(1).equals(jobId) && Long.parseLong(m.group(2)) != keep) {
                    Files.deleteIfExists(f);
                }
            }
        } catch (NoSuchFileException e) {
            // the folder went: nothing to remove
        } catch (IOException e) {
            log.warn("could not remove old full logs of job {}: {}", jobId, e.getMessage());
        }
    }

    /**
     * Removes the files no job needs any more (a crash between a prune or a job's end and the removal):
     * {@code keep} tells, for a job id and epoch, whether its file is still wanted.
     *
     * @return how many files were removed
     */
    public int sweep(java.util.function.BiPredicate<String, Long> keep) throws IOException {
        List<Path> gone = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.log")) {
            for (Path f : files) {
                Matcher m = FILE.matcher(f.getFileName().toString());
                if (m.matches() && !keep.test(m.group(1), Long.parseLong(m.group(2)))) {
                    gone.add(f);
                }
            }
        }
        for (Path f : gone) {
            Files.deleteIfExists(f);
        }
        return gone.size();
    }

    /** The file of a job's lease, present or not. */
    public Optional<Path> file(String jobId, long epoch, Predicate<Path> present) {
        if (!ID.matcher(jobId).matches() || epoch < 0) {
            return Optional.empty();
        }
        Path f = file(jobId, epoch);
        return present.test(f) ? Optional.of(f) : Optional.empty();
    }

    private Path file(String jobId, long epoch) {
        return dir.resolve(jobId + "." + epoch + ".log");
    }

    /**
     * Starts watching job {@code jobId} for new output and lease changes; close the watch when done. A follower reads
     * {@link Watching#version()}, delivers what exists, then {@link Watching#await}s from that version, so output
     * written in between is never missed.
     */
    public Watching watch(String jobId) {
        Watch w = watches.compute(jobId, (id, x) -> {
            Watch v = x == null ? new Watch() : x;
            v.waiters++;
            return v;
        });
        return new Watching(jobId, w);
    }

    /** One follower's watch of a job. Used by one thread. */
    public final class Watching implements AutoCloseable {
        private final String jobId;
        private final Watch watch;

        private Watching(String jobId, Watch watch) {
            this.jobId = jobId;
            this.watch = watch;
        }

        /** The job's change counter now. */
        public long version() {
            synchronized (watch) {
                return watch.version;
            }
        }

        /**
         * Waits until the counter moves past {@code seen} (new output, or the job's lease ended or changed), at most
         * {@code max}, or the logs close.
         *
         * @return the counter now
         */
        public long await(long seen, Duration max) throws InterruptedException {
            synchronized (watch) {
                long end = System.nanoTime() + max.toNanos();
                while (watch.version == seen && !closed) {
                    long left = end - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    TimeUnit.NANOSECONDS.timedWait(watch, left);
                }
                return watch.version;
            }
        }

        @Override
        public void close() {
            watches.computeIfPresent(jobId, (id, x) -> --x.waiters <= 0 ? null : x);
        }
    }

    /** Wakes the followers of job {@code jobId} (new output, or its lease or job changed). */
    public void wake(String jobId) {
        Watch w = watches.get(jobId);
        if (w != null) {
            synchronized (w) {
                w.version++;
                w.notifyAll();
            }
        }
    }

    /** Whether {@link #close()} was called (open follows end). */
    public boolean closed() {
        return closed;
    }

    /** Ends every follower's wait; later chunks are not written. */
    @Override
    public void close() {
        closed = true;
        for (String id : watches.keySet()) {
            wake(id);
        }
    }
}
