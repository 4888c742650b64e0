// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store.sql;

import static dev.hearth.coordinator.store.sql.Statements.query;
import static dev.hearth.coordinator.store.sql.Statements.queryOne;
import static dev.hearth.coordinator.store.sql.Statements.update;

import dev.hearth.coordinator.store.JobState;
import dev.hearth.coordinator.store.VerdictOutcome;
import dev.hearth.coordinator.store.VerdictRecord;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The oracle's verdicts, kept on the result rows: a result is written PENDING when it is accepted (that row is the
 * durable verification queue) and leaves PENDING exactly once, in the transaction that ends its job.
 */
final class VerdictTable {

    private static final String COLUMNS = "job_id, epoch, node_id, verdict, failed_check, verdict_detail, checks_json, "
            + "decided_at, verify_attempts, flagged";

    private VerdictTable() {
    }

    static Optional<VerdictRecord> byJob(Connection c, String jobId) throws SQLException {
        return queryOne(c, "SELECT " + COLUMNS + " FROM results WHERE job_id = ?", VerdictTable::verdict, jobId);
    }

    /**
     * Writes a pending result's verdict and ends its verifying job in {@code jobState} with {@code reason}.
     *
     * @return false when the result is not pending (already decided, or no such result): nothing changed
     */
    static boolean decide(Connection c, VerdictRecord v, JobState jobState, String reason, Instant now)
            throws SQLException {
        int changed = update(c, "UPDATE results SET verdict = ?, failed_check = ?, verdict_detail = ?, checks_json = ?, "
                + "decided_at = ?, verify_error = NULL, next_attempt_at = NULL, announced = 0 "
                + "WHERE job_id = ? AND epoch = ? AND verdict = 'PENDING'",
                v.outcome(), v.failedCheck(), v.detail(), v.checksJson(), now, v.jobId(), v.epoch());
        if (changed == 0) {
            return false;
        }
        update(c, "UPDATE jobs SET state = ?, reason = ?, updated_at = ? WHERE id = ? AND state = 'VERIFYING'",
                jobState, reason, now, v.jobId());
        return true;
    }

    /** Counts a verification attempt that could not decide, and sets when the next is due. */
    static boolean defer(Connection c, String jobId, String error, Instant next) throws SQLException {
        return update(c, "UPDATE results SET verify_attempts = verify_attempts + 1, verify_error = ?, "
                + "next_attempt_at = ? WHERE job_id = ? AND verdict = 'PENDING'", error, next, jobId) == 1;
    }

    /** Decided verdicts the listeners have not yet confirmed, oldest first. */
    static List<VerdictRecord> unannounced(Connection c) throws SQLException {
        return query(c, "SELECT " + COLUMNS + " FROM results WHERE announced = 0 AND verdict <> 'PENDING' "
                + "ORDER BY decided_at, job_id", VerdictTable::verdict);
    }

    static boolean markAnnounced(Connection c, String jobId) throws SQLException {
        return update(c, "UPDATE results SET announced = 1 WHERE job_id = ? AND verdict <> 'PENDING'", jobId) == 1;
    }

    static boolean flag(Connection c, String jobId, String why) throws SQLException {
        return update(c, "UPDATE results SET flagged = ? WHERE job_id = ?", why, jobId) == 1;
    }

    private static VerdictRecord verdict(ResultSet rs) throws SQLException {
        return new VerdictRecord(rs.getString("job_id"), rs.getLong("epoch"), rs.getString("node_id"),
                VerdictOutcome.valueOf(rs.getString("verdict")), rs.getString("failed_check"),
                rs.getString("verdict_detail"), rs.getString("checks_json"), Rows.nullableInstant(rs, "decided_at"),
                rs.getInt("verify_attempts"), rs.getString("flagged"));
    }
}
