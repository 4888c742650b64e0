// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store.sql;

import static dev.hearth.coordinator.store.sql.Statements.query;
import static dev.hearth.coordinator.store.sql.Statements.queryOne;
import static dev.hearth.coordinator.store.sql.Statements.update;

import dev.hearth.coordinator.store.AccountKind;
import dev.hearth.coordinator.store.InsufficientFundsException;
import dev.hearth.coordinator.store.LedgerAccount;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Ledger accounts and their balances. A balance changes only with a transfer, by a conditional update on the balance
 * it was read at, with the new balance computed in Java with overflow checks (SQL integer arithmetic would silently
 * turn into floating point in SQLite on overflow).
 */
final class AccountTable {

    private static final String COLUMNS = "id, kind, balance, created_at";

    private AccountTable() {
    }

    /** Makes the account if it does not exist yet, with balance 0. */
    static void ensure(Connection c, String id, Instant now) throws SQLException {
        update(c, "INSERT INTO ledger_accounts (" + COLUMNS + ") VALUES (?, ?, 0, ?) ON CONFLICT (id) DO NOTHING",
                id, AccountKind.of(id), now);
    }

    /**
     * Moves {@code amount} from one account to the other; both exist.
     *
     * @throws InsufficientFundsException when {@code from} is not external and holds less than {@code amount}
     */
    static void move(Connection c, String from, String to, long amount) throws SQLException {
        // Lock both rows before reading them, in id order so that two moves never wait on each other in a cycle. With
        // one writer (SQLite) nothing else writes meanwhile anyway; with several (PostgreSQL) a second move waits here
        // for the first to commit and then reads the balance it left, so the update on the read balance below holds.
        // A no-op UPDATE locks the row in every dialect (FOR UPDATE is not SQLite's syntax).
        for (String id : from.compareTo(to) < 0 ? List.of(from, to) : List.of(to, from)) {
            update(c, "UPDATE ledger_accounts SET balance = balance WHERE id = ?", id);
        }
        LedgerAccount debited = byId(c, from).orElseThrow();
        long after = Math.subtractExact(debited.balanceMicros(), amount);
        if (after < 0 && debited.kind() != AccountKind.EXTERNAL) {
            throw new InsufficientFundsException(from, debited.balanceMicros(), amount);
        }
        set(c, debited, after);
        LedgerAccount credited = byId(c, to).orElseThrow();
        set(c, credited, Math.addExact(credited.balanceMicros(), amount));
    }

    private static void set(Connection c, LedgerAccount account, long balance) throws SQLException {
        int changed = update(c, "UPDATE ledger_accounts SET balance = ? WHERE id = ? AND balance = ?", balance,
                account.id(), account.balanceMicros());
        if (changed != 1) {
            // only possible with concurrent writers; the transaction is rolled back and the caller may retry
            throw new SQLException("balance of account " + account.id() + " changed under this transaction");
        }
    }

    static Optional<LedgerAccount> byId(Connection c, String id) throws SQLException {
        return queryOne(c, "SELECT " + COLUMNS + " FROM ledger_accounts WHERE id = ?", AccountTable::account, id);
    }

    static List<LedgerAccount> all(Connection c) throws SQLException {
        return query(c, "SELECT " + COLUMNS + " FROM ledger_accounts ORDER BY id", AccountTable::account);
    }

    private static LedgerAccount account(ResultSet rs) throws SQLException {
        return new LedgerAccount(rs.getString("id"), AccountKind.valueOf(rs.getString("kind")), rs.getLong("balance"),
                Rows.instant(rs, "created_at"));
    }
}
