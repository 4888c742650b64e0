// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store.sql;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The ledger's invariants, checked in SQL on a whole database (after an import, say): balances sum to zero, each
 * account's balance is what its transfers moved in and out, and escrow holds exactly the held prices.
 */
final class LedgerInvariant {

    private LedgerInvariant() {
    }

    /** What does not hold, one line each; empty when the ledger is whole. */
    static List<String> violations(Connection c) throws SQLException {
        List<String> wrong = new ArrayList<>();
        long sum = Statements.queryOne(c, "SELECT COALESCE(SUM(balance), 0) FROM ledger_accounts", rs -> rs.getLong(1))
                .orElse(0L);
        if (sum != 0) {
            wrong.add("balances sum to " + sum + " micro-credits, not 0");
        }
        wrong.addAll(Statements.query(c, "SELECT a.id, a.balance, "
                + "COALESCE((SELECT SUM(amount) FROM ledger_transfers WHERE to_account = a.id), 0) - "
                + "COALESCE((SELECT SUM(amount) FROM ledger_transfers WHERE from_account = a.id), 0) AS moved "
                + "FROM ledger_accounts a ORDER BY a.id", rs -> rs.getLong("balance") == rs.getLong("moved") ? null
                        : "account " + rs.getString("id") + " has " + rs.getLong("balance")
                                + " but its transfers moved " + rs.getLong("moved"))
                .stream().filter(java.util.Objects::nonNull).toList());
        long escrow = Statements.queryOne(c, "SELECT COALESCE(SUM(balance), 0) FROM ledger_accounts WHERE id = 'escrow'",
                rs -> rs.getLong(1)).orElse(0L);
        long held = Statements.queryOne(c, "SELECT COALESCE(SUM(amount), 0) FROM ledger_holds WHERE state = 'HELD'",
                rs -> rs.getLong(1)).orElse(0L);
        if (escrow != held) {
            wrong.add("escrow has " + escrow + " but the unsettled holds are " + held);
        }
        return wrong;
    }
}
