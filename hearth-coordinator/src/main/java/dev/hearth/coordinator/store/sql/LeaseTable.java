// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store.sql;

import static dev.hearth.coordinator.store.sql.Statements.query;
import static dev.hearth.coordinator.store.sql.Statements.update;

import dev.hearth.coordinator.store.JobRecord;
import dev.hearth.coordinator.store.JobState;
import dev.hearth.coordinator.store.Lease;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Leases: a job handed to one node under an epoch (a fencing token). The job row holds the live epoch and holder;
 * the leases table keeps every grant and how it ended, so a refused result can be traced to the lease it came from.
 */
final class LeaseTable {

    private LeaseTable() {
    }

    static Lease grant(Connection c, String jobId, String nodeId, List<Integer> gpuIndexes, Instant deadline,
            Instant now) throws SQLException {
        Optional<Lease> lease = grantIfQueued(c, jobId, nodeId, gpuIndexes, deadline, now);
        if (lease.isPresent()) {
            return lease.get();
        }
        JobRecord job = JobTable.byId(c, jobId).orElseThrow(() -> new IllegalStateException(
                "cannot lease job " + jobId + " to node " + nodeId + ": no such job"));
        throw new IllegalStateException("cannot lease job " + jobId + " to node " + nodeId + ": it is "
                + job.state() + (job.nodeId() == null ? "" : " (node " + job.nodeId() + ", epoch "
                + job.epoch() + ")") + ", and only a QUEUED job can be leased");
    }

    /**
     * Leases a job if it is still queued; empty when it is not (or does not exist).
     *
     * @throws IllegalStateException when the node is not registered
     */
    static Optional<Lease> grantIfQueued(Connection c, String jobId, String nodeId, List<Integer> gpuIndexes,
            Instant deadline, Instant now) throws SQLException {
        if (!NodeTable.exists(c, nodeId)) {
            throw new IllegalStateException(
                    "cannot lease job " + jobId + " to node " + nodeId + ": the node is not registered");
        }
        int changed = update(c, "UPDATE jobs SET state = 'LEASED', node_id = ?, epoch = epoch + 1, "
                + "attempts = attempts + 1, reason = NULL, updated_at = ? WHERE id = ? AND state = 'QUEUED'",
                nodeId, now, jobId);
        if (changed == 0) {
            return Optional.empty();
        }
        long epoch = Statements.queryOne(c, "SELECT epoch FROM jobs WHERE id = ?", rs -> rs.getLong(1), jobId)
                .orElseThrow();
        Instant due = deadline == null ? null : Instant.ofEpochMilli(deadline.toEpochMilli());
        update(c, "INSERT INTO leases (job_id, epoch, node_id, granted_at, gpu_indexes, deadline_at) "
                + "VALUES (?, ?, ?, ?, ?, ?)", jobId, epoch, nodeId, now,
                String.join(",", gpuIndexes.stream().map(String::valueOf).toList()), due);
        return Optional.of(new Lease(jobId, nodeId, epoch, now, gpuIndexes, due));
    }

    /** Live leases whose deadline is at or before {@code now}, oldest deadline first. */
    static List<Lease> expired(Connection c, Instant now) throws SQLException {
        return query(c, "SELECT l.job_id, l.epoch, l.node_id, l.granted_at, l.gpu_indexes, l.deadline_at FROM leases l "
                + "JOIN jobs j ON j.id = l.job_id AND j.epoch = l.epoch AND j.node_id = l.node_id "
                + "WHERE j.state IN ('LEASED', 'RUNNING') AND l.ended_at IS NULL AND l.deadline_at IS NOT NULL "
                + "AND l.deadline_at <= ? ORDER BY l.deadline_at, l.job_id", LeaseTable::lease, now);
    }

    /** Revokes one live lease at its deadline and counts it as expired; false when it is not live any more. */
    static boolean expire(Connection c, String jobId, long epoch, String reason, Instant now) throws SQLException {
        Optional<JobRecord> job = JobTable.byId(c, jobId).filter(j -> j.epoch() == epoch && j.nodeId() != null
                && (j.state() == JobState.LEASED || j.state() == JobState.RUNNING));
        if (job.isEmpty() || !revoke(c, job.get(), reason, now)) {
            return false;
        }
        update(c, "UPDATE leases SET expired = 1 WHERE job_id = ? AND epoch = ?", jobId, epoch);
        return true;
    }

    /** The node's expired leases that ended after its expiries were last cleared (an uncordon). */
    static int expiries(Connection c, String nodeId) throws SQLException {
        return Statements.queryOne(c, "SELECT COUNT(*) FROM leases l JOIN nodes n ON n.id = l.node_id "
                + "WHERE l.node_id = ? AND l.expired = 1 AND l.ended_at > n.expiries_cleared_at",
                rs -> rs.getInt(1), nodeId).orElse(0);
    }

    private static Lease lease(java.sql.ResultSet rs) throws SQLException {
        return new Lease(rs.getString("job_id"), rs.getString("node_id"), rs.getLong("epoch"),
                Rows.instant(rs, "granted_at"), indexes(rs.getString("gpu_indexes")),
                Rows.nullableInstant(rs, "deadline_at"));
    }

    /** The grant of a job at an epoch, live or ended. */
    static Optional<Lease> byId(Connection c, String jobId, long epoch) throws SQLException {
        return Statements.queryOne(c, "SELECT job_id, epoch, node_id, granted_at, gpu_indexes, deadline_at FROM leases "
                + "WHERE job_id = ? AND epoch = ?", LeaseTable::lease, jobId, epoch);
    }

    private static List<Integer> indexes(String text) {
        return text == null || text.isEmpty() ? List.of()
                : java.util.Arrays.stream(text.split(",")).map(Integer::valueOf).toList();
    }

    static Map<String, List<Integer>> gpusInUse(Connection c) throws SQLException {
        Map<String, List<Integer>> byNode = new TreeMap<>();
        List<String[]> rows = query(c, "SELECT l.node_id, l.gpu_indexes FROM leases l "
                + "JOIN jobs j ON j.id = l.job_id AND j.epoch = l.epoch "
                + "WHERE j.state IN ('LEASED', 'RUNNING') AND l.gpu_indexes <> ''",
                rs -> new String[] {rs.getString("node_id"), rs.getString("gpu_indexes")});
        for (String[] row : rows) {
            List<Integer> held = byNode.computeIfAbsent(row[0], k -> new ArrayList<>());
            for (String index : row[1].split(",")) {
                held.add(Integer.valueOf(index));
            }
        }
        return byNode;
    }

    static boolean markRunning(Connection c, String jobId, long epoch, Instant now) throws SQLException {
        return update(c, "UPDATE jobs SET state = 'RUNNING', updated_at = ? "
                + "WHERE id = ? AND epoch = ? AND state IN ('LEASED', 'RUNNING')", now, jobId, epoch) == 1;
    }

    static List<String> revokeAllOf(Connection c, String nodeId, String reason, Instant now) throws SQLException {
        List<String> revoked = new ArrayList<>();
        for (JobRecord job : liveOf(c, nodeId)) {
            if (revoke(c, job, reason, now)) {
                revoked.add(job.id());
            }
        }
        return revoked;
    }

    /**
     * Takes back the live leases of a node, granted at or before {@code grantedBy}, that it no longer claims; see
     * {@link dev.hearth.coordinator.store.Store#reclaimUnclaimed}.
     */
    static List<String> reclaimUnclaimed(Connection c, String nodeId, Map<String, Long> claimed, Instant grantedBy,
            Instant now) throws SQLException {
        List<String> taken = new ArrayList<>();
        for (JobRecord job : liveOf(c, nodeId)) {
            Long epoch = claimed.get(job.id());
            Optional<Lease> lease = byId(c, job.id(), job.epoch());
            if (epoch != null && epoch == job.epoch() || lease.isEmpty() || lease.get().grantedAt().isAfter(grantedBy)) {
                continue;
            }
            boolean changed;
            if (job.state() == JobState.LEASED) {
                // the offer never reached the node: not an attempt, and not the node's fault
                String why = "the offer under epoch " + job.epoch() + " never reached node " + nodeId
                        + " (it registered again without it); queued again";
                changed = update(c, "UPDATE jobs SET state = 'QUEUED', reason = ?, updated_at = ?, node_id = NULL, "
                        + "attempts = attempts - 1 WHERE id = ? AND epoch = ? AND node_id = ? AND state = 'LEASED'",
                        why, now, job.id(), job.epoch(), nodeId) == 1;
                if (changed) {
                    end(c, job.id(), job.epoch(), why, now);
                }
            } else {
                changed = revoke(c, job, "node " + nodeId + " registered again without job " + job.id()
                        + ", which it had started under epoch " + job.epoch() + ": the run was lost", now);
            }
            if (changed) {
                taken.add(job.id());
            }
        }
        return taken;
    }

    private static List<JobRecord> liveOf(Connection c, String nodeId) throws SQLException {
        return query(c, "SELECT " + JobTable.COLUMNS + " FROM jobs "
                + "WHERE node_id = ? AND state IN ('LEASED', 'RUNNING') ORDER BY id", JobTable::job, nodeId);
    }

    /** Ends a live lease the node failed: the job is queued again while it has attempts left, else fails. */
    private static boolean revoke(Connection c, JobRecord job, String reason, Instant now) throws SQLException {
        boolean requeue = job.hasAttemptsLeft();
        String why = requeue ? reason : reason + "; no attempts left (" + job.attempts() + " of "
                + (1 + job.maxRetries()) + " used)";
        // Requeued jobs forget their holder; failed ones keep it as the node that held them last.
        int changed = update(c, "UPDATE jobs SET state = ?, reason = ?, updated_at = ?, "
                + "node_id = " + (requeue ? "NULL" : "node_id") + " WHERE id = ? AND epoch = ? AND node_id = ? "
                + "AND state IN ('LEASED', 'RUNNING')",
                requeue ? JobState.QUEUED : JobState.FAILED, why, now, job.id(), job.epoch(), job.nodeId());
        if (changed != 1) {
            return false;
        }
        end(c, job.id(), job.epoch(), reason, now);
        // counted against the node's reputation as a lost job
        update(c, "UPDATE leases SET revoked = 1 WHERE job_id = ? AND epoch = ?", job.id(), job.epoch());
        return true;
    }

    /** Records how a lease ended; its epoch is stale from now on. */
    static void end(Connection c, String jobId, long epoch, String how, Instant now) throws SQLException {
        update(c, "UPDATE leases SET ended_at = ?, end_reason = ? WHERE job_id = ? AND epoch = ? AND ended_at IS NULL",
                now, how, jobId, epoch);
    }
}
