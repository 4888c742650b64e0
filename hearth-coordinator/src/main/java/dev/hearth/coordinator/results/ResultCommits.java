// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.results;

import dev.hearth.coordinator.CoordinatorMetrics;
import dev.hearth.coordinator.ledger.Settlement;
import dev.hearth.coordinator.oracle.Oracle;
import dev.hearth.coordinator.oracle.Verdict;
import dev.hearth.coordinator.oracle.VerificationQueue;
import dev.hearth.coordinator.store.CommittedResult;
import dev.hearth.coordinator.store.JobRecord;
import dev.hearth.coordinator.store.JobState;
import dev.hearth.coordinator.store.JudgedResult;
import dev.hearth.coordinator.store.ResultAcceptance;
import dev.hearth.coordinator.store.ResultDecision;
import dev.hearth.coordinator.store.ResultRecord;
import dev.hearth.coordinator.store.Store;
import dev.hearth.coordinator.store.StoreException;
import dev.hearth.coordinator.webhook.WebhookEvents;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The result path's group commit. A result is judged by the oracle on the thread that received it, before it is
 * accepted; then one writer thread takes it with whatever other agents' results wait (up to a batch) and writes them
 * all in one store transaction ({@link Store#commitResults}: accepted, decided, settled, announced, their events).
 * Each caller returns only once that transaction committed, so a node's {@code result_ack} still follows the commit.
 *
 * <p>Why: SQLite has one writer, and step by step a result cost it six write transactions (its acceptance, its
 * verdict, its settlement, the verdict's announcement and two events; about 2 ms in all on a 2-core machine, which
 * bounded placement at 10,000 agents, docs/benchmarks.md). Now it costs a share of one.
 *
 * <p>It takes a result of a plain job (not a copy of a k-of-n job) whose sender holds the live lease the result
 * names, while the verification queue is not paused and has only listeners whose work the commit does itself
 * ({@link VerificationQueue#onlyCoveredListeners}; any other listener must hear each verdict at least once, which
 * only the step-by-step path promises). For any other result, and for
 * one whose own writes failed in its batch or whose batch did not commit, {@link #finish} returns empty and the
 * caller takes the step-by-step path ({@link Store#acceptResult}, then the {@link VerificationQueue}), which keeps
 * every rule of its own.
 *
 * <p>Memory is bounded: at most {@code capacity} results wait; a caller that finds the queue full waits its turn.
 * Each connection's lane handles one message at a time, so a node has at most one result waiting here. Thread-safe.
 */
public final class ResultCommits implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ResultCommits.class);

    private final Store store;
    private final Oracle oracle;
    private final VerificationQueue verifier;
    private final Settlement settlement;
    private final WebhookEvents events;
    private final CoordinatorMetrics metrics;
    private final int maxBatch;
    private final BlockingQueue<Waiting> queue;
    private final Thread writer;
    private volatile boolean closed;

    /** A judged result and the caller waiting for its commit. */
    private record Waiting(JudgedResult judged, CompletableFuture<CommittedResult> done) {
    }

    /**
     * What became of a result: the lease rules' acceptance and, once accepted, its verdict.
     *
     * @param acceptance accepted, or why not
     * @param verdict the verdict when accepted
     */
    public record Finished(ResultAcceptance acceptance, Optional<Verdict> verdict) {
    }

    /**
     * @param store where results are written
     * @param oracle the judge
     * @param verifier the step-by-step path's queue: while it is paused no result is judged here either
     * @param settlement where each hold goes, and who reports a settlement
     * @param events the job events' form, and who wakes their sender
     * @param metrics where verdicts and judging times are counted, or null
     * @param maxBatch the most results in one transaction (1 or more)
     * @param capacity the most results waiting (at least {@code maxBatch})
     */
    public ResultCommits(Store store, Oracle oracle, VerificationQueue verifier, Settlement settlement,
            WebhookEvents events, CoordinatorMetrics metrics, int maxBatch, int capacity) {
        if (maxBatch < 1 || capacity < maxBatch) {
            throw new IllegalArgumentException("a result batch holds 1 or more results and the queue at least a "
                    + "batch; got batch " + maxBatch + ", queue " + capacity);
        }
        this.store = store;
        this.oracle = oracle;
        this.verifier = verifier;
        this.settlement = settlement;
        this.events = events;
        this.metrics = metrics;
        this.maxBatch = maxBatch;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.writer = Thread.ofPlatform().name("hearth-results").daemon().unstarted(this::writeLoop);
    }

    /** How many results wait for the writer now. */
    int waiting() {
        return queue.size();
    }

    /** Starts the writer thread. */
    public void start() {
        writer.start();
    }

    /**
     * Judges {@code result} and commits it with the results waiting beside it; returns once that transaction
     * committed.
     *
     * @param result the result as received (its time is kept to the millisecond)
     * @param receiptDigest SHA-256 hex of its receipt's signature bytes, or null when unsigned
     * @param job the job as read when the result arrived
     * @return what became of it; empty when this path does not take it (see the class), so the caller goes step by
     *     step
     * @throws InterruptedException when interrupted while waiting (the result may have been committed or not; a
     *     node sends an unanswered result again)
     */
    public Optional<Finished> finish(ResultRecord result, String receiptDigest, Optional<JobRecord> job)
            throws InterruptedException {
        if (closed || verifier.paused() || !verifier.onlyCoveredListeners() || !takes(result, job)) {
            return Optional.empty();
        }
        ResultRecord received = new ResultRecord(result.jobId(), result.epoch(), result.nodeId(), result.status(),
                result.exitCode(), result.resultJson(), result.receivedAt().truncatedTo(ChronoUnit.MILLIS));
        Optional<Verdict> judged = judge(received);
        if (judged.isEmpty()) {
            return Optional.empty();
        }
        Verdict v = judged.get();
        JudgedResult item = new JudgedResult(received, receiptDigest, decision(v),
                earlier -> decision(Oracle.replayed(v, earlier)));
        Waiting waiting = new Waiting(item, new CompletableFuture<>());
        queue.put(waiting);
        CommittedResult done;
        try {
            done = awaitCommit(waiting);
        } catch (ExecutionException e) {
            log.warn("the batch holding the result of job {} was not committed; writing it on its own", result.jobId(),
                    e.getCause());
            return Optional.empty();
        }
        if (done == null) {
            return Optional.empty(); // the writer stopped before it took this result
        }
        return switch (done) {
            case CommittedResult.Refused r -> Optional.of(new Finished(r.refusal(), Optional.empty()));
            case CommittedResult.Decided d -> Optional.of(decided(d));
            case CommittedResult.Failed f -> {
                log.warn("the result of job {} could not be committed in its batch; writing it on its own",
                        result.jobId(), f.cause());
                yield Optional.empty();
            }
        };
    }

    /** The commit's outcome; null when the writer stopped and the result was still waiting (nothing written). */
    private CommittedResult awaitCommit(Waiting waiting) throws InterruptedException, ExecutionException {
        while (true) {
            try {
                return waiting.done().get(1, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                if (closed && queue.remove(waiting)) {
                    return null;
                }
            }
        }
    }

    /** Whether the job is a plain one that the result's sender holds under the epoch it names. */
    private static boolean takes(ResultRecord r, Optional<JobRecord> job) {
        return job.filter(j -> !j.isCopy() && j.epoch() == r.epoch() && r.nodeId().equals(j.nodeId())
                && (j.state() == JobState.LEASED || j.state() == JobState.RUNNING)).isPresent();
    }

    /** The oracle's verdict; empty when it could not be reached (the step-by-step path retries it). */
    private Optional<Verdict> judge(ResultRecord result) {
        long began = System.nanoTime();
        try {
            Verdict v = oracle.judge(result);
            if (metrics != null) {
                metrics.verification(v.outcome().name().toLowerCase(Locale.ROOT),
                        Duration.ofNanos(System.nanoTime() - began));
            }
            return Optional.of(v);
        } catch (RuntimeException e) {
            log.warn("judging the result of job {} before its commit failed; it goes through the verification queue",
                    result.jobId(), e);
            return Optional.empty();
        }
    }

    private ResultDecision decision(Verdict v) {
        return new ResultDecision(v.record(), v.finalState(), v.jobReason(), settlement.payee(v));
    }

    /** Reports a committed verdict and settlement as the verification queue and the ledger report theirs. */
    private Finished decided(CommittedResult.Decided d) {
        Verdict verdict = Verdict.from(d.decision().verdict()).orElseThrow();
        log.info("verdict on job {} from node {} (epoch {}): {}{}", verdict.jobId(), verdict.nodeId(),
                verdict.epoch(), verdict.outcome().name().toLowerCase(Locale.ROOT),
                verdict.failure().map(c -> " (" + c.name() + ": " + c.detail() + ")").orElse(""));
        if (metrics != null) {
            metrics.verdict(verdict);
        }
        settlement.settledInCommit(verdict.jobId(), verdict.nodeId(), d.settlement());
        events.written();
        return new Finished(new ResultAcceptance.Accepted(d.result()), Optional.of(verdict));
    }

    private void writeLoop() {
        List<Waiting> batch = new ArrayList<>(maxBatch);
        while (!closed) {
            try {
                Waiting first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, maxBatch - 1);
                commit(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } finally {
                batch.clear();
            }
        }
        failWaiting();
    }

    private void commit(List<Waiting> batch) {
        List<JudgedResult> items = new ArrayList<>(batch.size());
        for (Waiting w : batch) {
            items.add(w.judged());
        }
        try {
            List<CommittedResult> done = store.commitResults(items, events::jobEvent, settlement.notifies());
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).done().complete(done.get(i));
            }
        } catch (RuntimeException e) {
            // nothing of the batch was written: each caller writes its result on its own
            for (Waiting w : batch) {
                w.done().completeExceptionally(e);
            }
        }
    }

    /** Sends every result still waiting back to its caller, to be written on its own. */
    private void failWaiting() {
        List<Waiting> left = new ArrayList<>();
        queue.drainTo(left);
        StoreException stopped = new StoreException("commit results (the result writer stopped)",
                new IllegalStateException("closed"));
        for (Waiting w : left) {
            w.done().completeExceptionally(stopped);
        }
    }

    /** Stops the writer after the batch in flight; results still waiting go back to their callers. */
    @Override
    public void close() {
        closed = true;
        try {
            writer.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        failWaiting();
    }
}
