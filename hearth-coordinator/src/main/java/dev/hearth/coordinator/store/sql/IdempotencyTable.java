// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store.sql;

import static dev.hearth.coordinator.store.sql.Statements.queryOne;
import static dev.hearth.coordinator.store.sql.Statements.update;

import dev.hearth.coordinator.store.IdempotencyClaim;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;

/** The {@code idempotency_keys} table's statements. */
final class IdempotencyTable {

    private IdempotencyTable() {
    }

    private record Row(String operation, String fingerprint, Instant createdAt, Integer status, String body,
            String location) {
    }

    static IdempotencyClaim claim(Connection c, String client, String key, String operation, String fingerprint,
            Instant now, Instant purgeBefore, Instant abandonedBefore) throws SQLException {
        update(c, "DELETE FROM idempotency_keys WHERE created_at < ?", purgeBefore);
        Optional<Row> found = queryOne(c, "SELECT operation, fingerprint, created_at, response_status, response_body, "
                + "response_location FROM idempotency_keys WHERE client = ? AND idem_key = ?",
                rs -> new Row(rs.getString("operation"), rs.getString("fingerprint"), Rows.instant(rs, "created_at"),
                        status(rs), rs.getString("response_body"),
                        rs.getString("response_location")), client, key);
        if (found.isPresent()) {
            Row row = found.get();
            if (!row.operation().equals(operation) || !row.fingerprint().equals(fingerprint)) {
                return new IdempotencyClaim.Mismatch(row.operation());
            }
            if (row.status() != null) {
                return new IdempotencyClaim.Replay(new IdempotencyClaim.Answer(row.status(), row.body(),
                        row.location()));
            }
            if (!row.createdAt().isBefore(abandonedBefore)) {
                return new IdempotencyClaim.InProgress(row.createdAt());
            }
            update(c, "DELETE FROM idempotency_keys WHERE client = ? AND idem_key = ?", client, key);
        }
        update(c, "INSERT INTO idempotency_keys (client, idem_key, operation, fingerprint, created_at) "
                + "VALUES (?, ?, ?, ?, ?)", client, key, operation, fingerprint, now);
        return new IdempotencyClaim.Claimed();
    }

    private static Integer status(java.sql.ResultSet rs) throws SQLException {
        int status = rs.getInt("response_status");
        return rs.wasNull() ? null : status;
    }

    static int complete(Connection c, String client, String key, IdempotencyClaim.Answer answer) throws SQLException {
        return update(c, "UPDATE idempotency_keys SET response_status = ?, response_body = ?, response_location = ? "
                + "WHERE client = ? AND idem_key = ? AND response_status IS NULL", answer.status(), answer.body(),
                answer.location(), client, key);
    }

    static int release(Connection c, String client, String key) throws SQLException {
        return update(c, "DELETE FROM idempotency_keys WHERE client = ? AND idem_key = ? AND response_status IS NULL",
                client, key);
    }
}
