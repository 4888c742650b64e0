// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store.sql;

import static dev.hearth.coordinator.store.sql.Statements.query;
import static dev.hearth.coordinator.store.sql.Statements.queryOne;
import static dev.hearth.coordinator.store.sql.Statements.update;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Retention of finished jobs: a job final since before a cutoff keeps a tombstone row in {@code jobs} (id, state,
 * reason, times, node, lineage; its spec replaced by {@link #STUB_SPEC}) so the ledger's holds and transfers that
 * name it stay valid, while its result (logs, receipt, verdict and its details) and its leases are deleted.
 */
final class RetentionTable {

    /** What a pruned job's spec becomes. */
    static final String STUB_SPEC = "{\"pruned\":true}";

    private RetentionTable() {
    }

    /**
     * Prunes up to {@code limit} jobs final (completed, failed or cancelled) since before {@code cutoff}, oldest
     * first, and returns their ids. Only a job nothing still needs: its hold (if any) settled, its verdict announced,
     * and, for a copy, its k-of-n job final too (the copies are compared until then). The result goes before the
     * leases it references.
     */
    static List<String> prune(Connection c, Instant cutoff, int limit, Instant now) throws SQLException {
        List<String> ids = query(c, "SELECT id FROM jobs WHERE state IN ('COMPLETED', 'FAILED', 'CANCELLED') "
                + "AND updated_at < ? AND pruned_at IS NULL "
                + "AND NOT EXISTS (SELECT 1 FROM ledger_holds h WHERE h.job_id = jobs.id AND h.state = 'HELD') "
                + "AND NOT EXISTS (SELECT 1 FROM results r WHERE r.job_id = jobs.id AND r.announced = 0) "
                + "AND (parent_id IS NULL OR EXISTS (SELECT 1 FROM jobs p WHERE p.id = jobs.parent_id "
                + "AND p.state IN ('COMPLETED', 'FAILED', 'CANCELLED'))) "
                + "ORDER BY updated_at, id LIMIT ?",
                rs -> rs.getString(1), cutoff, limit);
        for (String id : ids) {
            update(c, "DELETE FROM results WHERE job_id = ?", id);
            update(c, "DELETE FROM leases WHERE job_id = ?", id);
            update(c, "UPDATE jobs SET spec_json = ?, pruned_at = ? WHERE id = ?", STUB_SPEC, now, id);
        }
        return ids;
    }

    /** When the job was pruned; empty when it was not (or does not exist). */
    static Optional<Instant> prunedAt(Connection c, String jobId) throws SQLException {
        return queryOne(c, "SELECT pruned_at FROM jobs WHERE id = ?", rs -> Optional.ofNullable(Rows.nullableInstant(rs, "pruned_at")), jobId).flatMap(o -> o);
    }
}
