// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store.sql;

import dev.hearth.coordinator.store.CommittedResult;
import dev.hearth.coordinator.store.Hold;
import dev.hearth.coordinator.store.HoldSettlement;
import dev.hearth.coordinator.store.JobRecord;
import dev.hearth.coordinator.store.JudgedResult;
import dev.hearth.coordinator.store.ResultAcceptance;
import dev.hearth.coordinator.store.ResultDecision;
import dev.hearth.coordinator.store.ResultRecord;
import dev.hearth.coordinator.store.StoreException;
import dev.hearth.coordinator.store.Webhooks;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Optional;

/**
 * A judged result's whole write on the caller's transaction: accepted under the lease rules, its verifying event,
 * its verdict and the job's final state, its hold settled, the verdict marked announced, the final event. Each
 * result runs under a savepoint of its own, so one that fails leaves the batch's others standing.
 */
final class DecidedResults {

    private DecidedResults() {
    }

    /** Writes one judged result; a failure of its writes is rolled back to before it and returned, not thrown. */
    static CommittedResult commit(Connection c, JudgedResult judged, Webhooks.JobEventFormat events, boolean notify,
            Instant now) throws SQLException {
        execute(c, "SAVEPOINT judged_result");
        try {
            CommittedResult done = write(c, judged, events, notify, now);
            execute(c, "RELEASE SAVEPOINT judged_result");
            return done;
        } catch (SQLException | RuntimeException e) {
            execute(c, "ROLLBACK TO SAVEPOINT judged_result");
            execute(c, "RELEASE SAVEPOINT judged_result");
            return new CommittedResult.Failed(e instanceof RuntimeException r ? r
                    : new StoreException("commit the result of job " + judged.result().jobId() + " under epoch "
                            + judged.result().epoch(), e));
        }
    }

    private static CommittedResult write(Connection c, JudgedResult judged, Webhooks.JobEventFormat events,
            boolean notify, Instant now) throws SQLException {
        ResultRecord result = judged.result();
        ResultAcceptance accepted = ResultTable.accept(c, result, judged.receiptDigest());
        if (!(accepted instanceof ResultAcceptance.Accepted)) {
            return new CommittedResult.Refused(accepted);
        }
        event(c, result.jobId(), events, now); // job.verifying
        ResultDecision decision = judged.decision();
        if (judged.receiptDigest() != null) {
            Optional<ResultRecord> earlier = ResultTable.byReceiptDigest(c, judged.receiptDigest()).stream()
                    .filter(r -> !r.jobId().equals(result.jobId())).findFirst();
            if (earlier.isPresent()) {
                decision = judged.ifReplayed().apply(earlier.get());
            }
        }
        if (!VerdictTable.decide(c, decision.verdict(), decision.jobState(), decision.reason(), now)) {
            throw new IllegalStateException("the result of job " + result.jobId() + " accepted in this transaction "
                    + "is not pending");
        }
        HoldSettlement settled = HoldTable.settle(c, result.jobId(), decision.payTo(), notify, now);
        VerdictTable.markAnnounced(c, result.jobId());
        event(c, result.jobId(), events, now); // job.completed or job.failed
        return new CommittedResult.Decided(result, decision, settled);
    }

    /** Writes the job's event as it stands now, as {@link SqlWebhooks#enqueue} does; none for a job without a hold. */
    private static void event(Connection c, String jobId, Webhooks.JobEventFormat events, Instant now)
            throws SQLException {
        Optional<JobRecord> job = JobTable.byId(c, jobId);
        Optional<Hold> hold = HoldTable.byJob(c, jobId);
        if (job.isEmpty() || hold.isEmpty()) {
            return;
        }
        Webhooks.Event e = events.of(job.get(), hold.get().accountId());
        EventTable.record(c, e.messageId(), e.owner(), e.nodeId(), e.eventType(), e.payload(), now);
        WebhookTable.enqueue(c, e.messageId(), e.owner(), e.eventType(), e.payload(), now);
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
