// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store.sql;

import static dev.hearth.coordinator.store.sql.Statements.query;
import static dev.hearth.coordinator.store.sql.Statements.queryOne;
import static dev.hearth.coordinator.store.sql.Statements.update;

import dev.hearth.coordinator.store.AccountKind;
import dev.hearth.coordinator.store.Hold;
import dev.hearth.coordinator.store.HoldRequest;
import dev.hearth.coordinator.store.HoldSettlement;
import dev.hearth.coordinator.store.LedgerTransfer;
import dev.hearth.coordinator.store.TransferKind;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Job holds: taken with the submission, settled once. Settlement is a conditional update from HELD, then the one
 * transfer under the key {@code settle:JOB} shared by release and refund, so neither a second writer nor a replay
 * can settle a hold twice.
 */
final class HoldTable {

    private static final String COLUMNS = "job_id, account_id, amount, state, node_id, created_at, settled_at";

    private HoldTable() {
    }

    /** Holds a new job's price: a row, and (for a price above 0) the transfer into escrow. */
    static void take(Connection c, String jobId, HoldRequest hold, Instant now) throws SQLException {
        AccountTable.ensure(c, hold.accountId(), now);
        if (hold.amountMicros() > 0) {
            TransferTable.post(c, TransferTable.of("hold:" + jobId, TransferKind.HOLD, hold.accountId(),
                    AccountKind.ESCROW_ID, hold.amountMicros(), jobId, null), now);
        }
        update(c, "INSERT INTO ledger_holds (" + COLUMNS + ") VALUES (?, ?, ?, 'HELD', NULL, ?, NULL)", jobId,
                hold.accountId(), hold.amountMicros(), now);
    }

    static HoldSettlement settle(Connection c, String jobId, Optional<String> payTo, boolean notify, Instant now)
            throws SQLException {
        Optional<Hold> found = byJob(c, jobId);
        if (found.isEmpty()) {
            return new HoldSettlement.NoHold();
        }
        Hold hold = found.get();
        if (hold.state() != Hold.State.HELD) {
            return new HoldSettlement.AlreadySettled(hold);
        }
        if (payTo.isPresent() && !NodeTable.exists(c, payTo.get())) {
            throw new IllegalStateException("cannot pay job " + jobId + " to node " + payTo.get()
                    + ": the node is not registered");
        }
        Hold.State to = payTo.isPresent() ? Hold.State.RELEASED : Hold.State.REFUNDED;
        int changed = update(c, "UPDATE ledger_holds SET state = ?, node_id = ?, settled_at = ? "
                + "WHERE job_id = ? AND state = 'HELD'", to, payTo.orElse(null), now, jobId);
        if (changed == 0) {
            return new HoldSettlement.AlreadySettled(byJob(c, jobId).orElseThrow());
        }
        Hold settled = byJob(c, jobId).orElseThrow();
        Optional<LedgerTransfer> moved = Optional.empty();
        if (hold.amountMicros() > 0) {
            LedgerTransfer t = payTo.isPresent()
                    ? TransferTable.of("settle:" + jobId, TransferKind.RELEASE, AccountKind.ESCROW_ID,
                            AccountKind.node(payTo.get()), hold.amountMicros(), jobId, payTo.get())
                    : TransferTable.of("settle:" + jobId, TransferKind.REFUND, AccountKind.ESCROW_ID,
                            hold.accountId(), hold.amountMicros(), jobId, null);
            moved = Optional.of(TransferTable.post(c, t, now).transfer());
            if (payTo.isPresent() && notify) {
                OutboxTable.enqueue(c, moved.get().seq(), now);
            }
        }
        return payTo.isPresent() ? new HoldSettlement.Released(settled, moved)
                : new HoldSettlement.Refunded(settled, moved);
    }

    static Optional<Hold> byJob(Connection c, String jobId) throws SQLException {
        return queryOne(c, "SELECT " + COLUMNS + " FROM ledger_holds WHERE job_id = ?", HoldTable::hold, jobId);
    }

    static List<Hold> unsettledFinal(Connection c) throws SQLException {
        return query(c, "SELECT h.job_id, h.account_id, h.amount, h.state, h.node_id, h.created_at, h.settled_at "
                + "FROM ledger_holds h JOIN jobs j ON j.id = h.job_id WHERE h.state = 'HELD' "
                + "AND j.state IN ('COMPLETED', 'FAILED', 'CANCELLED') ORDER BY h.job_id", HoldTable::hold);
    }

    private static Hold hold(ResultSet rs) throws SQLException {
        return new Hold(rs.getString("job_id"), rs.getString("account_id"), rs.getLong("amount"),
                Hold.State.valueOf(rs.getString("state")), rs.getString("node_id"), Rows.instant(rs, "created_at"),
                Rows.nullableInstant(rs, "settled_at"));
    }
}
