// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store.sql;

import static dev.hearth.coordinator.store.sql.Statements.query;

import dev.hearth.coordinator.store.AccountKind;
import dev.hearth.coordinator.store.NodeStanding;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Counts what reputation is made of, per node, from results, holds, leases and the nodes' online time. */
final class StandingQuery {

    private StandingQuery() {
    }

    static Map<String, NodeStanding> all(Connection c) throws SQLException {
        Map<String, Long> results = counts(c, "SELECT node_id, COUNT(*) FROM results GROUP BY node_id");
        Map<String, Long> verified = counts(c, "SELECT node_id, COUNT(*) FROM results WHERE verdict = 'PASSED' "
                + "AND flagged IS NULL GROUP BY node_id");
        // A run that honestly failed (the completion check: exit code, markers) is the job's failure, not the node's;
        // so is a result the oracle could not judge at all (check oracle: the coordinator's fault as likely as the node's);
        // every other failed check (hashes, signature, receipt, replay, lease, timing) counts against the node, and so
        // does a copy of a k-of-n job that passed its own checks but disagrees with the majority (flagged).
        Map<String, Long> failedVerification = counts(c, "SELECT node_id, COUNT(*) FROM results "
                + "WHERE (verdict = 'FAILED' AND coalesce(failed_check, '') NOT IN ('completion', 'oracle')) "
                + "OR flagged IS NOT NULL GROUP BY node_id");
        Map<String, Long> timedOut = counts(c, "SELECT node_id, COUNT(*) FROM results WHERE status = 'timeout' "
                + "GROUP BY node_id");
        Map<String, Long> lost = counts(c, "SELECT node_id, COUNT(*) FROM leases WHERE revoked = 1 GROUP BY node_id");
        Map<String, Long> stakes = counts(c, "SELECT id, balance FROM ledger_accounts WHERE kind = 'STAKE'");
        Map<String, NodeStanding> out = new LinkedHashMap<>();
        List<Object[]> nodes = query(c, "SELECT id, online_millis, registered_at FROM nodes ORDER BY registered_at, id",
                rs -> new Object[] {rs.getString(1), rs.getLong(2), Rows.instant(rs, "registered_at")});
        for (Object[] n : nodes) {
            String id = (String) n[0];
            out.put(id, new NodeStanding(id, results.getOrDefault(id, 0L), verified.getOrDefault(id, 0L),
                    failedVerification.getOrDefault(id, 0L), timedOut.getOrDefault(id, 0L), lost.getOrDefault(id, 0L),
                    (Long) n[1], (Instant) n[2], stakes.getOrDefault(AccountKind.stake(id), 0L)));
        }
        return out;
    }

    private static Map<String, Long> counts(Connection c, String sql) throws SQLException {
        Map<String, Long> out = new HashMap<>();
        for (Object[] row : query(c, sql, rs -> new Object[] {rs.getString(1), rs.getLong(2)})) {
            out.put((String) row[0], (Long) row[1]);
        }
        return out;
    }
}
