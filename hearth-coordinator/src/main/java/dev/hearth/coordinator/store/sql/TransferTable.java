// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store.sql;

import static dev.hearth.coordinator.store.sql.Statements.query;
import static dev.hearth.coordinator.store.sql.Statements.queryOne;
import static dev.hearth.coordinator.store.sql.Statements.update;

import dev.hearth.coordinator.store.LedgerTransfer;
import dev.hearth.coordinator.store.Posted;
import dev.hearth.coordinator.store.TransferKind;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The ledger's transfers: each one row that debits one account and credits another, with the balances moved in the
 * same transaction. A key used before returns the transfer written then (a replay) or, for a different transfer,
 * is refused.
 */
final class TransferTable {

    static final String COLUMNS = "seq, idempotency_key, kind, from_account, to_account, amount, job_id, node_id, "
            + "created_at";

    private TransferTable() {
    }

    /** Writes a transfer and moves the balances, or returns the one written before under its key. */
    static Posted post(Connection c, LedgerTransfer wanted, Instant now) throws SQLException {
        Optional<LedgerTransfer> before = byKey(c, wanted.idempotencyKey());
        if (before.isPresent()) {
            LedgerTransfer t = before.get();
            if (t.kind() != wanted.kind() || !t.fromAccount().equals(wanted.fromAccount())
                    || !t.toAccount().equals(wanted.toAccount()) || t.amountMicros() != wanted.amountMicros()
                    || !Objects.equals(t.jobId(), wanted.jobId())) {
                throw new IllegalStateException("idempotency key '" + wanted.idempotencyKey() + "' was used for "
                        + "another transfer (" + t.kind() + " of " + t.amountMicros() + " micro-credits from "
                        + t.fromAccount() + " to " + t.toAccount() + "); choose a new key for a new transfer");
            }
            return new Posted(t, true);
        }
        AccountTable.ensure(c, wanted.fromAccount(), now);
        AccountTable.ensure(c, wanted.toAccount(), now);
        AccountTable.move(c, wanted.fromAccount(), wanted.toAccount(), wanted.amountMicros());
        update(c, "INSERT INTO ledger_transfers (idempotency_key, kind, from_account, to_account, amount, job_id, "
                + "node_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", wanted.idempotencyKey(), wanted.kind(),
                wanted.fromAccount(), wanted.toAccount(), wanted.amountMicros(), wanted.jobId(), wanted.nodeId(), now);
        return new Posted(byKey(c, wanted.idempotencyKey()).orElseThrow(), false);
    }

    /** A transfer to write: its seq and time are given by {@link #post}. */
    static LedgerTransfer of(String key, TransferKind kind, String from, String to, long amount, String jobId,
            String nodeId) {
        return new LedgerTransfer(0, key, kind, from, to, amount, jobId, nodeId, Instant.EPOCH);
    }

    static Optional<LedgerTransfer> byKey(Connection c, String key) throws SQLException {
        return queryOne(c, "SELECT " + COLUMNS + " FROM ledger_transfers WHERE idempotency_key = ?",
                TransferTable::transfer, key);
    }

    static List<LedgerTransfer> list(Connection c, Optional<String> account, Optional<Instant> since, long beforeSeq,
            int limit) throws SQLException {
        List<Object> params = new ArrayList<>();
        StringBuilder where = new StringBuilder(" WHERE created_at >= ? AND seq < ?");
        params.add(since.orElse(Instant.EPOCH));
        params.add(beforeSeq);
        if (account.isPresent()) {
            where.append(" AND (from_account = ? OR to_account = ?)");
            params.add(account.get());
            params.add(account.get());
        }
        params.add(limit);
        List<LedgerTransfer> newestFirst = query(c, "SELECT " + COLUMNS + " FROM ledger_transfers" + where
                + " ORDER BY seq DESC LIMIT ?", TransferTable::transfer, params.toArray());
        return newestFirst.reversed();
    }

    static LedgerTransfer transfer(ResultSet rs) throws SQLException {
        return new LedgerTransfer(rs.getLong("seq"), rs.getString("idempotency_key"),
                TransferKind.valueOf(rs.getString("kind")), rs.getString("from_account"), rs.getString("to_account"),
                rs.getLong("amount"), rs.getString("job_id"), rs.getString("node_id"), Rows.instant(rs, "created_at"));
    }
}
