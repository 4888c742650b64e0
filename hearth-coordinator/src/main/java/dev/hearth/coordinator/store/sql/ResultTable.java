// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store.sql;

import static dev.hearth.coordinator.store.sql.Statements.query;
import static dev.hearth.coordinator.store.sql.Statements.queryOne;
import static dev.hearth.coordinator.store.sql.Statements.update;

import dev.hearth.coordinator.store.JobRecord;
import dev.hearth.coordinator.store.ResultAcceptance;
import dev.hearth.coordinator.store.ResultRecord;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Accepted results, at most one per job. Acceptance is one conditional update that ends the job only if the sender
 * holds its live lease, then the insert; the table's primary key on the job id refuses a second result even if two
 * writers got past the update.
 */
final class ResultTable {

    static final String COLUMNS = "job_id, epoch, node_id, status, exit_code, result_json, received_at";

    private ResultTable() {
    }

    static ResultAcceptance accept(Connection c, ResultRecord result, String receiptDigest) throws SQLException {
        int changed = update(c, "UPDATE jobs SET state = 'VERIFYING', reason = NULL, updated_at = ? WHERE id = ? "
                + "AND epoch = ? AND node_id = ? AND state IN ('LEASED', 'RUNNING')",
                result.receivedAt(), result.jobId(), result.epoch(), result.nodeId());
        if (changed == 0) {
            return refusal(c, result);
        }
        // PENDING and due at once: the verification queue is this row, so a verdict can never be lost
        update(c, "INSERT INTO results (" + COLUMNS + ", verdict, receipt_digest, next_attempt_at, announced) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, 'PENDING', ?, ?, 0)", result.jobId(),
                result.epoch(), result.nodeId(), result.status(), result.exitCode(), result.resultJson(),
                result.receivedAt(), receiptDigest, result.receivedAt());
        LeaseTable.end(c, result.jobId(), result.epoch(), "result " + result.status(), result.receivedAt());
        return new ResultAcceptance.Accepted(result);
    }

    static Optional<ResultRecord> byJob(Connection c, String jobId) throws SQLException {
        return queryOne(c, "SELECT " + COLUMNS + " FROM results WHERE job_id = ?", ResultTable::result, jobId);
    }

    /** The results whose receipt signature has this digest, oldest first (more than one means a replay). */
    static List<ResultRecord> byReceiptDigest(Connection c, String digest) throws SQLException {
        return query(c, "SELECT " + COLUMNS + " FROM results WHERE receipt_digest = ? ORDER BY received_at, job_id",
                ResultTable::result, digest);
    }

    /** The results waiting for a verdict whose next attempt is due by {@code dueBy}, oldest first. */
    static List<ResultRecord> pending(Connection c, Instant dueBy) throws SQLException {
        return query(c, "SELECT " + COLUMNS + " FROM results WHERE verdict = 'PENDING' AND next_attempt_at <= ? "
                + "ORDER BY received_at, job_id", ResultTable::result, dueBy);
    }

    /** Why a result that changed nothing was refused, in the order a node can act on. */
    private static ResultAcceptance refusal(Connection c, ResultRecord result) throws SQLException {
        Optional<JobRecord> found = JobTable.byId(c, result.jobId());
        if (found.isEmpty()) {
            return new ResultAcceptance.UnknownJob();
        }
        JobRecord job = found.get();
        if (result.epoch() < job.epoch()) {
            // the node's lease was taken from it, whatever became of the job since: tell it so
            return new ResultAcceptance.StaleEpoch(job.epoch());
        }
        if (job.state().isEnded()) {
            return new ResultAcceptance.AlreadyFinal(job.state());
        }
        if (!job.state().isHeld() || job.epoch() != result.epoch()) {
            return new ResultAcceptance.StaleEpoch(job.epoch());
        }
        return new ResultAcceptance.WrongNode(job.nodeId());
    }

    static ResultRecord result(ResultSet rs) throws SQLException {
        return new ResultRecord(rs.getString("job_id"), rs.getLong("epoch"), rs.getString("node_id"),
                rs.getString("status"), rs.getLong("exit_code"), rs.getString("result_json"),
                Rows.instant(rs, "received_at"));
    }
}
