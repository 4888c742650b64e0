// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.ledger;

import dev.hearth.core.log.LogFields;
import dev.hearth.coordinator.oracle.Copies;
import dev.hearth.coordinator.oracle.Verdict;
import dev.hearth.coordinator.oracle.VerdictListener;
import dev.hearth.coordinator.store.HoldSettlement;
import dev.hearth.coordinator.store.JobRecord;
import dev.hearth.coordinator.store.JobState;
import dev.hearth.coordinator.store.Store;
import dev.hearth.coordinator.store.VerdictOutcome;
import dev.hearth.coordinator.store.VerdictRecord;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Settles each job's held price once its verdict is known: released to the node whose result passed the oracle, or
 * returned to the submitter.
 *
 * <p>The one method that moves a hold is {@link #onVerdict}. It is reached two ways: as the oracle's
 * {@link VerdictListener} (every verdict, at least once), and through {@link #onFinal} for jobs that end without a
 * verdict (cancelled, failed for good after their node was lost) and from {@link #reconcile} for any final job whose
 * hold is still open after a crash; {@code onFinal} reads the stored verdict, so both ways decide alike. A verdict
 * pays when it {@linkplain Verdict#passed() passed}, or when it is {@code unsigned} and the operator's policy pays
 * unsigned results ({@code --unsigned pay}). A copy of a k-of-n job holds its share of the price and is paid only
 * when it passed and is in the agreeing majority of its completed job ({@link Copies}); every other share is refunded.
 *
 * <p>Exactly once whatever calls race: the store settles a hold by a conditional update and a unique key, so a
 * second call finds it settled and moves nothing. Thread-safe.
 */
public final class Settlement implements VerdictListener {

    private static final Logger log = LoggerFactory.getLogger(Settlement.class);

    private final Store store;
    private final boolean notify;
    private final Runnable paymentQueued;
    private final boolean payUnsigned;
    private volatile java.util.function.ObjLongConsumer<String> settled = (outcome, micros) -> { };

    /**
     * @param store where holds live
     * @param notify whether releases go into the settlement webhook's outbox
     * @param paymentQueued called after a release was queued for the webhook (wakes its sender)
     * @param payUnsigned whether an {@code unsigned} verdict (a Hypernode v2.0 result) is paid
     */
    public Settlement(Store store, boolean notify, Runnable paymentQueued, boolean payUnsigned) {
        this.store = store;
        this.notify = notify;
        this.paymentQueued = paymentQueued;
        this.payUnsigned = payUnsigned;
    }

    /**
     * Who hears of each hold settled here, with {@code released} or {@code refunded} and its micro-credits (the
     * ledger's totals in metrics); set before the first settlement.
     */
    public void onSettled(java.util.function.ObjLongConsumer<String> observer) {
        settled = java.util.Objects.requireNonNull(observer, "observer");
    }

    @Override
    public void verdict(String jobId, String nodeId, Verdict verdict) {
        Optional<JobRecord> job = store.job(jobId);
        if (job.isPresent() && job.get().isCopy()) {
            settleCopy(job.get()); // a copy is paid for agreeing with the majority, not for its own verdict alone
            return;
        }
        onVerdict(jobId, nodeId, pays(verdict.outcome()));
    }

    /**
     * Settles an ended copy of a k-of-n job: its share is released to its node when it passed and is in the
     * agreeing majority of a completed job; refunded when it failed, disagrees, or the job failed or was cancelled;
     * left held while the job is undecided and the copy passed (it may yet be in the majority).
     */
    private void settleCopy(JobRecord copy) {
        if (!copy.state().isFinal()) {
            return;
        }
        Optional<VerdictRecord> verdict = store.verdict(copy.id()).filter(v -> v.outcome() == VerdictOutcome.PASSED);
        Optional<JobRecord> parent = store.job(copy.parentId());
        if (verdict.isPresent() && parent.isPresent() && !parent.get().state().isFinal()) {
            return;
        }
        boolean agrees = verdict.isPresent() && parent.get().state() == JobState.COMPLETED
                && Copies.of(store, copy.parentId()).map(c -> c.agrees(copy.id())).orElse(false);
        onVerdict(copy.id(), verdict.map(VerdictRecord::nodeId).orElse(null), agrees);
    }

    /**
     * A job became final: settles its hold by its stored verdict (a job without one is refunded). Never throws: a
     * failure is logged, and {@link #reconcile} settles the hold later.
     */
    public void onFinal(String jobId) {
        try (var fields = LogFields.scope().with(LogFields.JOB, jobId)) {
            Optional<JobRecord> job = store.job(jobId);
            if (job.isEmpty() || !job.get().state().isFinal()) {
                return;
            }
            if (job.get().isCopy()) {
                settleCopy(job.get());
                return;
            }
            Optional<VerdictRecord> verdict = store.verdict(jobId).filter(v -> v.outcome() != VerdictOutcome.PENDING);
            boolean paid = verdict.map(v -> pays(v.outcome())).orElse(false);
            onVerdict(jobId, verdict.map(VerdictRecord::nodeId).orElse(null), paid);
        } catch (RuntimeException e) {
            log.error("settling job {} failed; it is settled again at the next reconcile", jobId, e);
        }
    }

    private boolean pays(VerdictOutcome outcome) {
        return outcome == VerdictOutcome.PASSED || (outcome == VerdictOutcome.UNSIGNED && payUnsigned);
    }

    /**
     * The seam: pays {@code nodeId} the job's held price when {@code passed}, else returns it to the submitter.
     * Settles at most once; a later call changes nothing.
     *
     * @param nodeId the node whose result the verdict is about; required when {@code passed}
     */
    public HoldSettlement onVerdict(String jobId, String nodeId, boolean passed) {
        if (passed && nodeId == null) {
            throw new IllegalArgumentException("a passing verdict on job " + jobId + " must name the node to pay");
        }
        HoldSettlement done = store.ledger().settle(jobId, passed ? Optional.of(nodeId) : Optional.empty(), notify);
        try (var fields = LogFields.scope().with(LogFields.JOB, jobId).with(LogFields.NODE, nodeId)
                .with(LogFields.CLIENT, done instanceof HoldSettlement.Refunded r ? r.hold().accountId() : null)) {
            logged(done, jobId, nodeId);
        }
        return done;
    }

    private void logged(HoldSettlement done, String jobId, String nodeId) {
        switch (done) {
            case HoldSettlement.Released r -> {
                settled.accept("released", r.hold().amountMicros());
                log.info("job {}: {} micro-credits released to node {}", jobId, r.hold().amountMicros(), nodeId);
                if (notify && r.transfer().isPresent()) {
                    paymentQueued.run();
                }
            }
            case HoldSettlement.Refunded r -> {
                settled.accept("refunded", r.hold().amountMicros());
                log.info("job {}: {} micro-credits returned to {}", jobId, r.hold().amountMicros(),
                        r.hold().accountId());
            }
            case HoldSettlement.AlreadySettled a -> log.debug("job {} was settled before ({})", jobId, a.hold().state());
            case HoldSettlement.NoHold n -> log.warn("job {} has no hold to settle", jobId);
        }
    }

    /** Settles every final job whose hold is still open; returns how many it found. */
    public int reconcile() {
        List<String> open = store.ledger().unsettledFinalHolds().stream().map(h -> h.jobId()).toList();
        if (!open.isEmpty()) {
            log.info("settling {} final jobs whose holds were still open", open.size());
        }
        open.forEach(this::onFinal);
        return open.size();
    }
}
