// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store.sql;

import static dev.hearth.coordinator.store.sql.Statements.query;
import static dev.hearth.coordinator.store.sql.Statements.queryOne;
import static dev.hearth.coordinator.store.sql.Statements.update;

import dev.hearth.coordinator.store.EventRecord;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;

/** The kept events (V14): one row per job or instance event, the newest {@link #KEPT} of them. */
final class EventTable {

    /** Events kept for replay after a Last-Event-ID. */
    static final int KEPT = 10_000;

    private EventTable() {
    }

    /** Writes the event once (the same id again is ignored); now and then drops the events past the window. */
    static void record(Connection c, String id, String owner, String nodeId, String type, String payload,
            Instant now) throws SQLException {
        if (update(c, "INSERT INTO events (id, owner, node_id, event_type, payload, created_at) VALUES (?, ?, ?, ?, ?, ?) "
                + "ON CONFLICT (id) DO NOTHING", id, owner, nodeId, type, payload, now) == 0) {
            return;
        }
        long last = last(c);
        if (last % 128 == 0) {
            update(c, "DELETE FROM events WHERE seq <= ?", last - KEPT);
        }
    }

    static List<EventRecord> after(Connection c, long seq, int max) throws SQLException {
        return query(c, "SELECT seq, id, owner, node_id, event_type, payload, created_at FROM events WHERE seq > ? "
                + "ORDER BY seq LIMIT ?", rs -> new EventRecord(rs.getLong("seq"), rs.getString("id"),
                        rs.getString("owner"), rs.getString("node_id"), rs.getString("event_type"),
                        rs.getString("payload"), Rows.instant(rs, "created_at")), seq, max);
    }

    /** The oldest kept event's seq, 0 when none is kept. */
    static long first(Connection c) throws SQLException {
        return queryOne(c, "SELECT COALESCE(MIN(seq), 0) AS s FROM events", rs -> rs.getLong("s")).orElse(0L);
    }

    /** The newest event's seq, 0 when none is kept. */
    static long last(Connection c) throws SQLException {
        return queryOne(c, "SELECT COALESCE(MAX(seq), 0) AS s FROM events", rs -> rs.getLong("s")).orElse(0L);
    }
}
