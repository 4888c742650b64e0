package dev.hearth.coordinator.ledger;

import dev.hearth.coordinator.store.HoldSettlement;
import dev.hearth.coordinator.store.JobRecord;
import dev.hearth.coordinator.store.JobState;
import dev.hearth.coordinator.store.ResultRecord;
import dev.hearth.coordinator.store.Store;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Settles each job's held price once its verdict is known: released to the node whose result passed, or returned to
 * the submitter.
 *
 * <p>The seam is {@link #onVerdict}: the one method that moves a hold, called from one place only,
 * {@link #onFinal}, which is where the verdict is decided. Until the oracle is merged the decision is the interim
 * rule of {@link #interimVerdict}: an accepted result with status {@code completed} passes; a failed, timed-out,
 * refused or cancelled job does not. {@code onFinal} is called wherever a job becomes final (a result accepted, a
 * cancel, a job failed for good after its node was lost) and by {@link #reconcile} for any final job whose hold is
 * still open (a crash between the job's final transaction and its settlement).
 *
 * <p>Exactly once whatever calls race: the store settles a hold by a conditional update and a unique key, so a
 * second call finds it settled and moves nothing. Thread-safe.
 */
public final class Settlement {

    private static final Logger log = LoggerFactory.getLogger(Settlement.class);

    private final Store store;
    private final boolean notify;
    private final Runnable paymentQueued;

    /**
     * @param store where holds live
     * @param notify whether releases go into the settlement webhook's outbox
     * @param paymentQueued called after a release was queued for the webhook (wakes its sender)
     */
    public Settlement(Store store, boolean notify, Runnable paymentQueued) {
        this.store = store;
        this.notify = notify;
        this.paymentQueued = paymentQueued;
    }

    /**
     * A job became final: decides its verdict and settles its hold. Never throws: a failure is logged, and
     * {@link #reconcile} settles the hold later.
     */
    public void onFinal(String jobId) {
        try {
            Optional<JobRecord> job = store.job(jobId);
            if (job.isEmpty() || !job.get().state().isFinal()) {
                return;
            }
            Optional<ResultRecord> result = store.result(jobId);
            onVerdict(jobId, result.map(ResultRecord::nodeId).orElse(null), interimVerdict(job.get(), result));
        } catch (RuntimeException e) {
            log.error("settling job {} failed; it is settled again at the next reconcile", jobId, e);
        }
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
        switch (done) {
            case HoldSettlement.Released r -> {
                log.info("job {}: {} micro-credits released to node {}", jobId, r.hold().amountMicros(), nodeId);
                if (notify && r.transfer().isPresent()) {
                    paymentQueued.run();
                }
            }
            case HoldSettlement.Refunded r -> log.info("job {}: {} micro-credits returned to {}", jobId,
                    r.hold().amountMicros(), r.hold().accountId());
            case HoldSettlement.AlreadySettled a -> log.debug("job {} was settled before ({})", jobId, a.hold().state());
            case HoldSettlement.NoHold n -> log.warn("job {} has no hold to settle", jobId);
        }
        return done;
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

    /**
     * The verdict until the oracle decides it: a job that completed with an accepted result of status completed
     * passes; any other final job (failed, timed out, cancelled, out of attempts) does not.
     */
    static boolean interimVerdict(JobRecord job, Optional<ResultRecord> result) {
        return job.state() == JobState.COMPLETED && result.map(r -> "completed".equals(r.status())).orElse(false);
    }
}
