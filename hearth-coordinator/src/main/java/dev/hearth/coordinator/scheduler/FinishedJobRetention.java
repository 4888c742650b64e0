// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.scheduler;

import dev.hearth.coordinator.store.Store;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The retention sweep for finished jobs: each run prunes, in bounded batches, the jobs final for longer than the
 * retention ({@link Store#pruneFinishedJobs}), measured on the injected clock, so a coordinator's store does not grow
 * with every job it ever ran. Run by the scheduler's housekeeping; not meant to run on two threads at once.
 */
public final class FinishedJobRetention implements Runnable {

    /** Jobs pruned per transaction, so one sweep never holds the store's write lock long. */
    static final int BATCH = 200;
    /** Batches per run; the rest waits for the next run. */
    static final int MAX_BATCHES = 10;

    private static final Logger log = LoggerFactory.getLogger(FinishedJobRetention.class);

    private final Store store;
    private final InstantSource clock;
    private final Duration retain;
    private volatile java.util.function.Consumer<String> onPruned = id -> { };

    /**
     * @param retain how long a finished job stays whole; {@link Duration#ZERO} keeps every job whole (the sweep does
     *     nothing)
     */
    public FinishedJobRetention(Store store, InstantSource clock, Duration retain) {
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.retain = Objects.requireNonNull(retain, "retain");
        if (retain.isNegative()) {
            throw new IllegalArgumentException("retention must be positive or zero (keep all), got " + retain);
        }
    }

    /** Tells {@code listener} the id of each job pruned from now on (its full log goes). */
    public FinishedJobRetention onPruned(java.util.function.Consumer<String> listener) {
        onPruned = Objects.requireNonNull(listener, "listener");
        return this;
    }

    /** Prunes what is due now and returns how many jobs it pruned. */
    public int sweep() {
        if (retain.isZero()) {
            return 0;
        }
        int pruned = 0;
        for (int i = 0; i < MAX_BATCHES; i++) {
            List<String> ids = store.pruneFinishedJobs(clock.instant().minus(retain), BATCH);
            pruned += ids.size();
            ids.forEach(onPruned);
            if (ids.size() < BATCH) {
                break;
            }
        }
        if (pruned > 0) {
            log.info("pruned {} finished jobs older than {} to tombstones (ledger entries kept)", pruned, retain);
        }
        return pruned;
    }

    /** {@link #sweep()}, logging a failure instead of throwing it, so the scheduler's loop goes on. */
    @Override
    public void run() {
        try {
            sweep();
        } catch (RuntimeException e) {
            log.warn("retention sweep failed; it runs again on the next housekeeping pass", e);
        }
    }
}
