package dev.hearth.coordinator.store.sql;

import static dev.hearth.coordinator.store.sql.Statements.queryOne;
import static dev.hearth.coordinator.store.sql.Statements.update;

import dev.hearth.coordinator.store.JobRecord;
import dev.hearth.coordinator.store.JobState;
import dev.hearth.coordinator.store.ResultAcceptance;
import dev.hearth.coordinator.store.ResultRecord;
import dev.hearth.core.job.JobStatus;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;

/**
 * Accepted results, at most one per job. Acceptance is one conditional update that ends the job only if the sender
 * holds its live lease, then the insert; the table's primary key on the job id refuses a second result even if two
 * writers got past the update.
 */
final class ResultTable {

    private static final String COLUMNS = "job_id, epoch, node_id, status, exit_code, result_json, received_at";

    private ResultTable() {
    }

    static ResultAcceptance accept(Connection c, ResultRecord result) throws SQLException {
        boolean completed = JobStatus.COMPLETED.wireName().equals(result.status());
        int changed = update(c, "UPDATE jobs SET state = ?, reason = ?, updated_at = ? WHERE id = ? AND epoch = ? "
                + "AND node_id = ? AND state IN ('LEASED', 'RUNNING')",
                completed ? JobState.COMPLETED : JobState.FAILED,
                completed ? null : "the job ended with status " + result.status() + ", exit code " + result.exitCode(),
                result.receivedAt(), result.jobId(), result.epoch(), result.nodeId());
        if (changed == 0) {
            return refusal(c, result);
        }
        update(c, "INSERT INTO results (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?)", result.jobId(),
                result.epoch(), result.nodeId(), result.status(), result.exitCode(), result.resultJson(),
                result.receivedAt());
        LeaseTable.end(c, result.jobId(), result.epoch(), "result " + result.status(), result.receivedAt());
        return new ResultAcceptance.Accepted(result);
    }

    static Optional<ResultRecord> byJob(Connection c, String jobId) throws SQLException {
        return queryOne(c, "SELECT " + COLUMNS + " FROM results WHERE job_id = ?", ResultTable::result, jobId);
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
        if (job.state().isFinal()) {
            return new ResultAcceptance.AlreadyFinal(job.state());
        }
        if (!job.state().isHeld() || job.epoch() != result.epoch()) {
            return new ResultAcceptance.StaleEpoch(job.epoch());
        }
        return new ResultAcceptance.WrongNode(job.nodeId());
    }

    private static ResultRecord result(ResultSet rs) throws SQLException {
        return new ResultRecord(rs.getString("job_id"), rs.getLong("epoch"), rs.getString("node_id"),
                rs.getString("status"), rs.getLong("exit_code"), rs.getString("result_json"),
                Rows.instant(rs, "received_at"));
    }
}
