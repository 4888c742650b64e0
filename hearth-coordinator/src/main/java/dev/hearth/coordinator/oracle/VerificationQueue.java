// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.oracle;

import dev.hearth.coordinator.store.Check;
import dev.hearth.coordinator.store.JobState;
import dev.hearth.coordinator.store.ResultRecord;
import dev.hearth.coordinator.store.Store;
import dev.hearth.coordinator.store.VerdictOutcome;
import dev.hearth.coordinator.store.VerdictRecord;
import dev.hearth.coordinator.store.JobRecord;
import dev.hearth.core.log.LogFields;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the oracle over the store's durable verification queue: every accepted result is written PENDING first (by
 * {@link Store#acceptResult}), then judged here, and its verdict written in the transaction that makes the job final
 * ({@link Store#decideVerdict}). A result is judged at once on the thread that received it ({@link #verifyNow}) and,
 * should that not decide it (paused, an error, a restart in between), by this queue's own thread, which takes up
 * every pending result when it starts and retries failed attempts with a growing delay. So a verdict is never lost.
 *
 * <p>Each decided verdict goes to the {@link VerdictListener}s (at least once; see there). Thread-safe.
 */
public final class VerificationQueue implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(VerificationQueue.class);
    /** The longest delay between two attempts. */
    static final Duration MAX_RETRY = Duration.ofMinutes(5);
    /** Verdicts whose announcement failed are announced again after this long. */
    static final Duration ANNOUNCE_RETRY = Duration.ofMinutes(1);

    private final Store store;
    private final Oracle oracle;
    private final InstantSource clock;
    private final Duration tick;
    private final int maxAttempts;
    private final Duration firstRetry;
    private final List<VerdictListener> listeners = new CopyOnWriteArrayList<>();
    private volatile java.util.function.BiConsumer<String, Duration> judged = (outcome, took) -> { };
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private final Thread thread;
    private volatile boolean paused;
    private volatile boolean closed;
    private volatile Instant lastAnnounceSweep = Instant.MIN;

    /**
     * @param store the durable queue
     * @param oracle the judge
     * @param clock times of retries
     * @param tick how often the queue looks for due results when not woken
     * @param paused whether to start paused (tests: results then wait in the queue until {@link #resume})
     * @param maxAttempts attempts that may end in an error before the result is failed on the check {@code oracle}
     * @param firstRetry delay before the second attempt; doubled for each later one up to {@link #MAX_RETRY}
     */
    public VerificationQueue(Store store, Oracle oracle, InstantSource clock, Duration tick, boolean paused,
            int maxAttempts, Duration firstRetry) {
        this.maxAttempts = maxAttempts;
        this.firstRetry = firstRetry;
        this.store = store;
        this.oracle = oracle;
        this.clock = clock;
        this.tick = tick;
        this.paused = paused;
        this.thread = Thread.ofPlatform().name("hearth-oracle").daemon().unstarted(this::loop);
    }

    /**
     * Who hears how long the oracle took to judge each result, with the verdict's outcome ({@code passed},
     * {@code failed}, ...); set before {@link #start}.
     */
    public void onJudged(java.util.function.BiConsumer<String, Duration> observer) {
        judged = java.util.Objects.requireNonNull(observer, "observer");
    }

    /** Adds a listener; add them before {@link #start}, or it misses verdicts announced before. */
    public void addListener(VerdictListener listener) {
        listeners.add(listener);
    }

    /** Starts the queue's thread: it first announces verdicts left unannounced, then judges pending results. */
    public void start() {
        thread.start();
    }

    /** Stops judging (results stay pending, in the store); for tests of the durable queue. */
    public void pause() {
        paused = true;
    }

    /** Judges again, and wakes the thread to take up what waited. */
    public void resume() {
        paused = false;
        wake();
    }

    private void wake() {
        lock.lock();
        try {
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Judges a job's pending result now, on the calling thread.
     *
     * @return the verdict when it is decided (by this call or before), empty when the result is still pending
     *     (paused, or the attempt failed and was deferred for a retry) or there is no result
     */
    public Optional<Verdict> verifyNow(String jobId) {
        if (!paused) {
            store.result(jobId).ifPresent(this::verify);
        }
        return store.verdict(jobId).flatMap(Verdict::from);
    }

    private void verify(ResultRecord result) {
        String trace = store.job(result.jobId()).map(JobRecord::traceId).orElse(null);
        try (var fields = LogFields.job(result.jobId(), result.nodeId(), result.epoch(), trace)) {
            judge(result);
        }
    }

    private void judge(ResultRecord result) {
        Optional<VerdictRecord> current = store.verdict(result.jobId());
        if (current.isEmpty() || current.get().outcome() != VerdictOutcome.PENDING) {
            return;
        }
        Verdict verdict;
        long began = System.nanoTime();
        try {
            verdict = oracle.judge(result);
            judged.accept(verdict.outcome().name().toLowerCase(java.util.Locale.ROOT),
                    Duration.ofNanos(System.nanoTime() - began));
        } catch (RuntimeException e) {
            int attempts = current.get().attempts() + 1;
            if (attempts < maxAttempts) {
                Duration delay = retryDelay(firstRetry, attempts);
                log.warn("verifying the result of job {} failed (attempt {} of {}); retrying in {} ms", result.jobId(),
                        attempts, maxAttempts, delay.toMillis(), e);
                store.deferVerification(result.jobId(), String.valueOf(e.getMessage()), clock.instant().plus(delay));
                return;
            }
            // No verdict can be reached: the result fails, so its job ends and its hold is refunded, never frozen.
            log.error("verifying the result of job {} failed {} times; failing it on the check oracle", result.jobId(),
                    attempts, e);
            verdict = new Verdict(result.jobId(), result.epoch(), result.nodeId(), VerdictOutcome.FAILED,
                    List.of(Check.fails("oracle", "no verdict could be reached after " + attempts + " attempts (limit "
                            + maxAttempts + "); the last error: " + e.getClass().getSimpleName() + ": "
                            + clip(String.valueOf(e.getMessage())))));
        }
        if (store.decideVerdict(verdict.record(), finalState(verdict), reason(verdict))) {
            log.info("verdict on job {} from node {} (epoch {}): {}{}", verdict.jobId(), verdict.nodeId(),
                    verdict.epoch(), verdict.outcome().name().toLowerCase(java.util.Locale.ROOT),
                    verdict.failure().map(c -> " (" + c.name() + ": " + c.detail() + ")").orElse(""));
            announce(verdict);
        }
    }

    /** A text cut to 300 characters, so an error quoting a hostile field cannot swell the stored verdict. */
    private static String clip(String text) {
        return text.length() <= 300 ? text : text.substring(0, 300) + "...";
    }

    static Duration retryDelay(Duration first, int attempts) {
        Duration d = first.multipliedBy(1L << Math.min(20, Math.max(0, attempts - 1)));
        return d.compareTo(MAX_RETRY) > 0 ? MAX_RETRY : d;
    }

    private static JobState finalState(Verdict v) {
        return v.outcome() == VerdictOutcome.FAILED ? JobState.FAILED : JobState.COMPLETED;
    }

    private static String reason(Verdict v) {
        return v.failure().map(c -> c.name().equals("completion")
                ? "the job did not complete: " + c.detail()
                : "result failed verification (" + c.name() + "): " + c.detail()).orElse(null);
    }

    private void announce(Verdict verdict) {
        for (VerdictListener l : listeners) {
            try {
                l.verdict(verdict.jobId(), verdict.nodeId(), verdict);
            } catch (RuntimeException e) {
                log.error("a verdict listener failed on job {}; it will hear the verdict again", verdict.jobId(), e);
                return;
            }
        }
        store.markAnnounced(verdict.jobId());
    }

    private void announceLeftovers(Duration minAge) {
        Instant cutoff = clock.instant().minus(minAge);
        for (VerdictRecord r : store.unannouncedVerdicts()) {
            if (r.decidedAt() == null || !r.decidedAt().isAfter(cutoff)) {
                Verdict.from(r).ifPresent(this::announce);
            }
        }
        lastAnnounceSweep = clock.instant();
    }

    private void loop() {
        boolean first = true;
        while (!closed) {
            try {
                if (first) {
                    announceLeftovers(Duration.ZERO); // a restart: what was decided but not heard is heard now
                    first = false;
                } else if (clock.instant().isAfter(lastAnnounceSweep.plus(ANNOUNCE_RETRY))) {
                    announceLeftovers(ANNOUNCE_RETRY);
                }
                if (!paused) {
                    for (ResultRecord r : store.pendingVerifications(clock.instant())) {
                        if (closed || paused) {
                            break;
                        }
                        verify(r);
                    }
                }
            } catch (RuntimeException e) {
                if (closed) {
                    return;
                }
                log.error("the verification queue failed a round; it goes on", e);
            }
            lock.lock();
            try {
                if (!closed) {
                    wake.await(tick.toMillis(), TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                lock.unlock();
            }
        }
    }

    /** Stops the thread; pending results stay in the store for the next start. */
    @Override
    public void close() {
        closed = true;
        wake();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
