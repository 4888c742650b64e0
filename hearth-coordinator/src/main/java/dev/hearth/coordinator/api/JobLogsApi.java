// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.api;

import dev.hearth.coordinator.logs.JobLogs;
import dev.hearth.coordinator.store.JobRecord;
import dev.hearth.coordinator.store.ResultRecord;
import dev.hearth.coordinator.store.Store;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Optional;

/**
 * {@code GET /v1/jobs/{id}/logs[?offset=N][&follow=1[&epoch=E]]}: a job's full log (what its lease's agent streamed,
 * kept by {@link JobLogs}), or its result's proof logs where no full log exists; offsets are UTF-8 bytes. Without
 * {@code follow} the text from the offset to what exists now; with it, a chunked stream from the offset that goes on
 * with new output as it arrives (woken by it, never polling the disk), writes {@link #placedAgain} and goes on from
 * the new lease's start when the job is placed again, and ends once the job has its result (all output delivered) or
 * is final, or after the follow deadline (the client reconnects with its offset). Follows are capped per caller and in
 * all (429 {@code too_many_streams}); a slow reader holds one 64 KiB buffer and its thread, nothing grows. The web
 * server sends a streamed response's headers with its first bytes: a follow of a job with nothing new to say yet
 * answers its headers when output arrives or the stream ends (clients wait, or reconnect after their own timeout with
 * the same offset). The caller's
 * right to the job was checked by {@link JobsApi}. Thread-safe.
 */
public final class JobLogsApi {

    /** Response header: {@code full} (the coordinator's full log) or {@code proof} (the result's capped logs). */
    static final HeaderName LOG_SOURCE = HeaderNames.create("Hearth-Log-Source");
    /** Open follows one caller may hold. */
    static final int FOLLOWS_PER_CALLER = 4;
    /** Open follows in all. */
    static final int FOLLOWS_IN_ALL = 256;
    /** The longest wait without a look at the job's state (a lease taken back wakes nothing). */
    private static final Duration RECHECK = Duration.ofSeconds(2);

    private final Store store;
    private final JobLogs logs;
    private final InstantSource clock;
    private final Duration followMax;
    private final StreamSlots slots = new StreamSlots(FOLLOWS_PER_CALLER, FOLLOWS_IN_ALL, "log follows");

    /** Logs from {@code logs}, follows lasting at most {@code followMax} on {@code clock}. */
    public JobLogsApi(Store store, JobLogs logs, InstantSource clock, Duration followMax) {
        this.store = store;
        this.logs = logs;
        this.clock = clock;
        this.followMax = followMax;
    }

    /** The line a follow writes when the job's new lease's output starts. */
    static String placedAgain(long epoch) {
        return "--- hearth: job placed again (epoch " + epoch + ") ---\n";
    }

    /** What a job's logs are read from now. */
    private record Source(long epoch, Optional<Path> file, byte[] proof, boolean complete) {
        String name() {
            return proof == null ? "full" : "proof";
        }
    }

    private Source source(String id) {
        Optional<ResultRecord> result = store.result(id);
        if (result.isPresent()) {
            long epoch = result.get().epoch();
            Optional<Path> file = logs.file(id, epoch, Files::exists);
            String proof = file.isPresent() ? null : result.get().message().logs();
            return new Source(epoch, file, file.isPresent() ? null
                    : (proof == null ? "" : proof).getBytes(StandardCharsets.UTF_8), true);
        }
        JobRecord job = store.job(id).orElseThrow();
        return new Source(job.epoch(), logs.file(id, job.epoch(), Files::exists), null, job.state().isFinal());
    }

    /** Answers the request for job {@code id}'s logs. */
    void serve(ServerRequest req, ServerResponse res, String id) {
        Optional<Long> offset = number(req, res, "offset", "a byte offset into the log, 0 or more");
        Optional<Long> epoch = offset.isEmpty() ? Optional.empty()
                : number(req, res, "epoch", "the Hearth-Log-Epoch the offset belongs to");
        if (offset.isEmpty() || epoch.isEmpty() && req.query().contains("epoch")) {
            return;
        }
        String follow = req.query().first("follow").orElse("0");
        if (!follow.equals("0") && !follow.equals("1") && !follow.equals("true") && !follow.equals("false")) {
            JsonResponses.invalid(res, "follow", "follow '" + follow + "' is invalid: 1 or true to stream, 0 to read");
            return;
        }
        Source now = source(id);
        res.header(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .header(HeaderNames.CACHE_CONTROL, "no-store")
                .header(HeaderNames.create("X-Content-Type-Options"), "nosniff")
                .header(JobsApi.LOG_EPOCH, String.valueOf(now.epoch()))
                .header(JobsApi.LOG_COMPLETE, String.valueOf(now.complete()))
                .header(LOG_SOURCE, now.name());
        if (follow.equals("0") || follow.equals("false") || now.complete()) {
            try (OutputStream out = res.outputStream()) {
                copy(now, offset.get(), out);
            } catch (IOException | UncheckedIOException e) {
                // the reader went away
            }
            return;
        }
        Optional<StreamSlots.Slot> slot = slots.take(req, res, "end another follow, or wait for one to end");
        if (slot.isEmpty()) {
            return;
        }
        try (StreamSlots.Slot held = slot.get(); JobLogs.Watching watch = logs.watch(id);
                OutputStream out = res.outputStream()) {
            follow(id, now, epoch.orElse(now.epoch()), offset.get(), watch, out);
        } catch (IOException | UncheckedIOException e) {
            // the reader went away: its slot and watch are back
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void follow(String id, Source first, long wanted, long offset, JobLogs.Watching watch, OutputStream out)
            throws IOException, InterruptedException {
        Instant deadline = clock.instant().plus(followMax);
        long epoch = first.epoch();
        long pos = offset;
        if (wanted != epoch && epoch > 0) {
            out.write(placedAgain(epoch).getBytes(StandardCharsets.UTF_8));
            pos = 0;
        }
        Source s = first;
        while (true) {
            long seen = watch.version();
            if (s.epoch() != epoch) {
                if (epoch > 0) {
                    out.write(placedAgain(s.epoch()).getBytes(StandardCharsets.UTF_8));
                }
                epoch = s.epoch();
                pos = 0;
            }
            pos = copy(s, pos, out);
            out.flush();
            Duration left = Duration.between(clock.instant(), deadline);
            if (s.complete() || logs.closed() || left.isNegative() || left.isZero()) {
                return;
            }
            watch.await(seen, left.compareTo(RECHECK) < 0 ? left : RECHECK);
            s = source(id);
        }
    }

    /** Writes the source's text from byte {@code from} to its end now; returns where it ended. */
    private static long copy(Source s, long from, OutputStream out) throws IOException {
        if (s.proof() != null) {
            if (from < s.proof().length) {
                out.write(s.proof(), (int) from, s.proof().length - (int) from);
                return s.proof().length;
            }
            return from;
        }
        if (s.file().isEmpty()) {
            return from;
        }
        try (FileChannel ch = FileChannel.open(s.file().get())) {
            long end = ch.size();
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            long pos = from;
            while (pos < end) {
                buf.clear().limit((int) Math.min(buf.capacity(), end - pos));
                int n = ch.read(buf, pos);
                if (n <= 0) {
                    break;
                }
                out.write(buf.array(), 0, n);
                pos += n;
            }
            return Math.max(pos, from);
        } catch (NoSuchFileException e) {
            return from; // removed meanwhile (the lease was abandoned): the next look sees why
        }
    }

    private static Optional<Long> number(ServerRequest req, ServerResponse res, String field, String form) {
        String text = req.query().first(field).orElse(field.equals("offset") ? "0" : null);
        if (text == null) {
            return Optional.empty();
        }
        try {
            long n = Long.parseLong(text);
            if (n >= 0) {
                return Optional.of(n);
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        JsonResponses.invalid(res, field, field + " '" + text + "' is invalid: " + form);
        return Optional.empty();
    }
}
