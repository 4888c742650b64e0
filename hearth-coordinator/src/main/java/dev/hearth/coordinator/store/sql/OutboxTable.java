// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store.sql;

import static dev.hearth.coordinator.store.sql.Statements.query;
import static dev.hearth.coordinator.store.sql.Statements.update;

import dev.hearth.coordinator.store.PaymentNotice;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;

/** The settlement webhook's outbox: one row per released payment, until the webhook answers 2xx. */
final class OutboxTable {

    private OutboxTable() {
    }

    static void enqueue(Connection c, long transferSeq, Instant now) throws SQLException {
        update(c, "INSERT INTO settlement_outbox (transfer_seq, attempts, next_attempt_at, delivered_at, last_error) "
                + "VALUES (?, 0, ?, NULL, NULL)", transferSeq, now);
    }

    static List<PaymentNotice> due(Connection c, Instant now, int max) throws SQLException {
        String transfer = String.join(", ", java.util.Arrays.stream(TransferTable.COLUMNS.split(", "))
                .map(col -> "t." + col).toList());
        return query(c, "SELECT " + transfer + ", o.attempts, o.next_attempt_at, o.last_error "
                + "FROM settlement_outbox o JOIN ledger_transfers t ON t.seq = o.transfer_seq "
                + "WHERE o.delivered_at IS NULL AND o.next_attempt_at <= ? ORDER BY o.transfer_seq LIMIT ?",
                rs -> new PaymentNotice(TransferTable.transfer(rs), rs.getInt("attempts"),
                        Rows.instant(rs, "next_attempt_at"), rs.getString("last_error")), now, max);
    }

    static void delivered(Connection c, long transferSeq, Instant at) throws SQLException {
        update(c, "UPDATE settlement_outbox SET delivered_at = ?, attempts = attempts + 1, last_error = NULL "
                + "WHERE transfer_seq = ? AND delivered_at IS NULL", at, transferSeq);
    }

    static void failed(Connection c, long transferSeq, String error, Instant next) throws SQLException {
        update(c, "UPDATE settlement_outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? "
                + "WHERE transfer_seq = ? AND delivered_at IS NULL", error, next, transferSeq);
    }
}
