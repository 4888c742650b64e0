// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.oracle;

import dev.hearth.core.log.LogFields;
import dev.hearth.coordinator.oracle.CopyComparison.Agreed;
import dev.hearth.coordinator.oracle.CopyComparison.Copy;
import dev.hearth.coordinator.oracle.CopyComparison.Impossible;
import dev.hearth.coordinator.oracle.CopyComparison.Waiting;
import dev.hearth.coordinator.store.JobRecord;
import dev.hearth.coordinator.store.JobState;
import dev.hearth.coordinator.store.Store;
import dev.hearth.coordinator.store.VerdictRecord;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends k-of-n jobs: after each copy's own verdict (or its end without one), compares the copies and, once they
 * decide, completes or fails the job, flags the copies that disagree with the majority (they count as failed
 * verification in the node's reputation), cancels copies that can no longer matter (all unfinished ones of a failed
 * job; the unplaced ones of a completed job, while running ones finish and are paid if they agree), and has every
 * ended copy settled. Idempotent: it recomputes everything from the store each time, so a verdict heard twice, or a judgement
 * repeated by {@link #judgeAll()} after a crash, changes nothing more. Thread-safe.
 */
public final class CopyJudge implements VerdictListener {

    private static final Logger log = LoggerFactory.getLogger(CopyJudge.class);

    private final Store store;
    private final Consumer<String> cancelCopy;
    private final Consumer<String> settleCopy;

    /**
     * @param store where jobs, copies and verdicts live
     * @param cancelCopy cancels a copy that is still queued or running (tells its node), once the job has failed
     * @param settleCopy settles an ended copy's share of the price (the ledger decides whom it pays)
     */
    public CopyJudge(Store store, Consumer<String> cancelCopy, Consumer<String> settleCopy) {
        this.store = store;
        this.cancelCopy = cancelCopy;
        this.settleCopy = settleCopy;
    }

    @Override
    public void verdict(String jobId, String nodeId, Verdict verdict) {
        copyEnded(jobId);
    }

    /** A job ended (a verdict, a loss out of attempts, a cancel): when it is a copy, judges its k-of-n job. */
    public void copyEnded(String jobId) {
        store.job(jobId).filter(JobRecord::isCopy).ifPresent(c -> judge(c.parentId()));
    }

    /** Judges every k-of-n job not yet decided (housekeeping after a crash). */
    public void judgeAll() {
        store.jobs(Optional.of(JobState.REDUNDANT)).forEach(j -> judge(j.id()));
    }

    /** Compares the copies of {@code parentId} and acts on what they decide. */
    public void judge(String parentId) {
        try (var fields = LogFields.scope().with(LogFields.JOB, parentId)) {
            judgeCopies(parentId);
        }
    }

    private void judgeCopies(String parentId) {
        Optional<Copies> found = Copies.of(store, parentId);
        if (found.isEmpty()) {
            return;
        }
        Copies copies = found.get();
        switch (copies.outcome()) {
            case Agreed a -> {
                Copy winner = a.agreeing().getFirst();
                for (Copy f : a.flagged()) {
                    String id = copies.copies().get(f.index() - 1).id();
                    if (store.verdict(id).map(VerdictRecord::flagged).isEmpty()) {
                        store.flagResult(id, "disagrees with the majority of job " + parentId + ": logsHash "
                                + f.logsHash() + " and " + f.outputs().size() + " output file(s) against "
                                + winner.logsHash() + " and " + winner.outputs().size() + " reported by "
                                + a.agreeing().size() + " copies");
                        log.warn("job {}: copy {} (node {}) disagrees with the majority; flagged", parentId,
                                f.index(), f.nodeId());
                    }
                }
                if (store.finishRedundantJob(parentId, JobState.COMPLETED, null)) {
                    log.info("job {}: {} of {} copies agree; completed", parentId, a.agreeing().size(),
                            copies.parent().redundancy().n());
                }
                // A copy not yet placed cannot change the outcome: it is cancelled (its share refunded). One that
                // runs goes on: it is paid if it agrees, flagged if not.
                copies.copies().stream().filter(c -> c.state() == JobState.QUEUED || c.state() == JobState.UNPLACEABLE)
                        .map(JobRecord::id).forEach(cancelCopy);
            }
            case Impossible i -> {
                if (store.finishRedundantJob(parentId, JobState.FAILED, i.reason())) {
                    log.warn("job {} failed: {}", parentId, i.reason());
                }
                copies.copies().stream().filter(c -> !c.state().isEnded()).map(JobRecord::id).forEach(cancelCopy);
            }
            case Waiting w -> {
                return; // nothing to settle yet but failed copies, which the ledger refunds when they end
            }
        }
        store.copies(parentId).stream().filter(c -> c.state().isFinal()).map(JobRecord::id).forEach(settleCopy);
    }
}
