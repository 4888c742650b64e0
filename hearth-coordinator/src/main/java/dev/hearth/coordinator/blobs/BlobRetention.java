// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.blobs;

import dev.hearth.coordinator.store.Blobs;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The retention sweep for uploaded blobs: removes each owner's claim to a blob untouched (not uploaded again, not
 * named by a submitted job) for the retention and named by no unfinished job, then the files no owner claims any
 * more. Runs at most once a minute on the scheduler's housekeeping pass, measured on the injected clock; not meant
 * to run on two threads at once.
 */
public final class BlobRetention implements Runnable {

    /** The least time between two sweeps. */
    static final Duration EVERY = Duration.ofMinutes(1);

    private static final Logger log = LoggerFactory.getLogger(BlobRetention.class);

    private final Blobs blobs;
    private final BlobFiles files;
    private final InstantSource clock;
    private final Duration retention;
    private Instant next = Instant.MIN;

    /** The sweep over the blobs' rows and files, keeping them {@code retention} after their last use. */
    public BlobRetention(Blobs blobs, BlobFiles files, InstantSource clock, Duration retention) {
        this.blobs = Objects.requireNonNull(blobs, "blobs");
        this.files = Objects.requireNonNull(files, "files");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.retention = Objects.requireNonNull(retention, "retention");
    }

    /**
     * Removes what is due now and returns how many files it deleted.
     *
     * @throws IOException when a file cannot be deleted (its row is gone: the next sweep does not see it again, so
     *     the error names it)
     */
    public int sweep() throws IOException {
        Instant now = clock.instant();
        next = now.plus(EVERY);
        List<String> gone = blobs.expire(now.minus(retention));
        int deleted = 0;
        for (String digest : gone) {
            if (files.delete(digest, () -> !blobs.held(digest))) {
                deleted++;
            }
        }
        if (deleted > 0) {
            log.info("removed {} blobs unused for {} and named by no unfinished job", deleted, retention);
        }
        return deleted;
    }

    /** {@link #sweep()} when a minute passed since the last one, logging a failure instead of throwing it. */
    @Override
    public void run() {
        if (clock.instant().isBefore(next)) {
            return;
        }
        try {
            sweep();
        } catch (IOException | RuntimeException e) {
            log.warn("blob retention sweep failed; it runs again in {}", EVERY, e);
        }
    }
}
