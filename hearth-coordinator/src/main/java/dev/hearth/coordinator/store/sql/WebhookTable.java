// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store.sql;

import static dev.hearth.coordinator.store.sql.Statements.query;
import static dev.hearth.coordinator.store.sql.Statements.queryOne;
import static dev.hearth.coordinator.store.sql.Statements.update;

import dev.hearth.coordinator.store.WebhookDelivery;
import dev.hearth.coordinator.store.WebhookEndpoint;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The {@code webhook_endpoints} and {@code webhook_deliveries} tables' statements. */
final class WebhookTable {

    private static final String ENDPOINT = "e.id, e.owner, e.url, e.secret, e.created_at";

    private WebhookTable() {
    }

    static WebhookEndpoint register(Connection c, String id, String owner, String url, String secret, Instant now)
            throws SQLException {
        update(c, "INSERT INTO webhook_endpoints (id, owner, url, secret, created_at) VALUES (?, ?, ?, ?, ?)", id,
                owner, url, secret, now);
        return new WebhookEndpoint(id, owner, url, secret, now);
    }

    static List<WebhookEndpoint> endpoints(Connection c) throws SQLException {
        return query(c, "SELECT " + ENDPOINT + " FROM webhook_endpoints e ORDER BY e.created_at, e.id",
                WebhookTable::endpoint);
    }

    static Optional<WebhookEndpoint> endpoint(Connection c, String id) throws SQLException {
        return queryOne(c, "SELECT " + ENDPOINT + " FROM webhook_endpoints e WHERE e.id = ?", WebhookTable::endpoint,
                id);
    }

    static boolean remove(Connection c, String id) throws SQLException {
        update(c, "DELETE FROM webhook_deliveries WHERE endpoint_id = ? AND delivered_at IS NULL", id);
        return update(c, "DELETE FROM webhook_endpoints WHERE id = ?", id) > 0;
    }

    static int enqueue(Connection c, String messageId, String owner, String type, String payload, Instant now)
            throws SQLException {
        return update(c, "INSERT INTO webhook_deliveries (id, endpoint_id, event_type, payload, created_at, "
                + "next_attempt_at) SELECT ?, e.id, ?, ?, ?, ? FROM webhook_endpoints e "
                + "WHERE e.owner = ? OR e.owner LIKE 'admin:%' ON CONFLICT DO NOTHING", messageId, type, payload, now,
                now, owner);
    }

    static List<WebhookDelivery> due(Connection c, Instant now, int max) throws SQLException {
        return query(c, "SELECT d.id AS message_id, d.event_type, d.payload, d.created_at AS made_at, d.attempts, "
                + ENDPOINT + " FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id "
                + "WHERE d.delivered_at IS NULL AND d.gave_up_at IS NULL AND d.next_attempt_at <= ? "
                + "ORDER BY d.next_attempt_at, d.created_at LIMIT ?", rs -> new WebhookDelivery(
                        rs.getString("message_id"), endpoint(rs), rs.getString("event_type"), rs.getString("payload"),
                        Rows.instant(rs, "made_at"), rs.getInt("attempts")), now, max);
    }

    static void delivered(Connection c, String messageId, String endpointId, Instant at) throws SQLException {
        update(c, "UPDATE webhook_deliveries SET delivered_at = ?, attempts = attempts + 1, last_error = NULL "
                + "WHERE id = ? AND endpoint_id = ?", at, messageId, endpointId);
    }

    static void failed(Connection c, String messageId, String endpointId, String error, Optional<Instant> next,
            Instant now) throws SQLException {
        if (next.isPresent()) {
            update(c, "UPDATE webhook_deliveries SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? "
                    + "WHERE id = ? AND endpoint_id = ?", error, next.get(), messageId, endpointId);
        } else {
            update(c, "UPDATE webhook_deliveries SET attempts = attempts + 1, last_error = ?, gave_up_at = ? "
                    + "WHERE id = ? AND endpoint_id = ?", error, now, messageId, endpointId);
        }
    }

    private static WebhookEndpoint endpoint(ResultSet rs) throws SQLException {
        return new WebhookEndpoint(rs.getString("id"), rs.getString("owner"), rs.getString("url"),
                rs.getString("secret"), Rows.instant(rs, "created_at"));
    }
}
