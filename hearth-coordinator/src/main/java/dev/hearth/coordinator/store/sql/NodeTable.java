// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store.sql;

import static dev.hearth.coordinator.store.sql.Statements.query;
import static dev.hearth.coordinator.store.sql.Statements.queryOne;
import static dev.hearth.coordinator.store.sql.Statements.update;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.hearth.coordinator.store.GpuInfo;
import dev.hearth.coordinator.store.NodeRecord;
import dev.hearth.coordinator.store.NodeState;
import dev.hearth.core.json.Json;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The node registry. Runtimes and GPUs are kept as JSON text: they are read and replaced whole, never queried. */
final class NodeTable {

    private static final String COLUMNS = "id, public_key, hostname, os, arch, cpus, memory_bytes, runtimes_json, "
            + "gpus_json, agent_version, protocol_version, state, last_heartbeat, registered_at";
    private static final TypeReference<List<String>> RUNTIMES = new TypeReference<>() { };
    private static final TypeReference<List<GpuInfo>> GPUS = new TypeReference<>() { };

    /** The longest silence between two heartbeats that still counts as time online (reputation's uptime). */
    static final long ONLINE_GAP_MILLIS = 60_000;

    private NodeTable() {
    }

    static void upsert(Connection c, NodeRecord n) throws SQLException {
        // ON CONFLICT ... excluded is shared by SQLite (3.24+) and PostgreSQL (9.5+).
        update(c, "INSERT INTO nodes (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                + "ON CONFLICT (id) DO UPDATE SET public_key = excluded.public_key, hostname = excluded.hostname, "
                + "os = excluded.os, arch = excluded.arch, cpus = excluded.cpus, "
                + "memory_bytes = excluded.memory_bytes, runtimes_json = excluded.runtimes_json, "
                + "gpus_json = excluded.gpus_json, agent_version = excluded.agent_version, "
                + "protocol_version = excluded.protocol_version, state = excluded.state, "
                + "last_heartbeat = excluded.last_heartbeat",
                n.id(), n.publicKey(), n.hostname(), n.os(), n.arch(), n.cpus(), n.memoryBytes(),
                toJson(n.runtimes()), toJson(n.gpus()), n.agentVersion(), n.protocolVersion(), n.state(),
                n.lastHeartbeat(), n.registeredAt());
    }

    static boolean heartbeat(Connection c, String nodeId, Instant at, NodeState state) throws SQLException {
        // The gap since the last heartbeat counts as time online when it is short; a longer one means the node was
        // away. CASE rather than MIN/LEAST, which the dialects spell differently.
        return update(c, "UPDATE nodes SET online_millis = online_millis + CASE WHEN ? - last_heartbeat BETWEEN 0 AND ? "
                + "THEN ? - last_heartbeat ELSE 0 END, last_heartbeat = ?, state = ? WHERE id = ?",
                at, ONLINE_GAP_MILLIS, at, at, state, nodeId) == 1;
    }

    /** {@link #heartbeat} of a node still online or draining; false (nothing changed) for any other. */
    static boolean heartbeatIfLive(Connection c, String nodeId, Instant at, NodeState state) throws SQLException {
        return update(c, "UPDATE nodes SET online_millis = online_millis + CASE WHEN ? - last_heartbeat BETWEEN 0 AND ? "
                + "THEN ? - last_heartbeat ELSE 0 END, last_heartbeat = ?, state = ? "
                + "WHERE id = ? AND state IN ('ONLINE', 'DRAINING')", at, ONLINE_GAP_MILLIS, at, at, state, nodeId) == 1;
    }

    static boolean setState(Connection c, String nodeId, NodeState state) throws SQLException {
        return update(c, "UPDATE nodes SET state = ? WHERE id = ?", state, nodeId) == 1;
    }

    static boolean exists(Connection c, String nodeId) throws SQLException {
        return queryOne(c, "SELECT id FROM nodes WHERE id = ?", rs -> rs.getString(1), nodeId).isPresent();
    }

    static Optional<NodeRecord> byId(Connection c, String id) throws SQLException {
        return queryOne(c, "SELECT " + COLUMNS + " FROM nodes WHERE id = ?", NodeTable::node, id);
    }

    static java.util.Map<NodeState, Long> counts(Connection c) throws SQLException {
        java.util.Map<NodeState, Long> counts = new java.util.EnumMap<>(NodeState.class);
        for (NodeState s : NodeState.values()) {
            counts.put(s, 0L);
        }
        // answered from the nodes_by_liveness index (state, last_heartbeat): no row of the table is read
        query(c, "SELECT state, COUNT(*) FROM nodes GROUP BY state", rs -> counts.put(NodeState.valueOf(rs.getString(1)),
                rs.getLong(2)));
        return counts;
    }

    static List<NodeRecord> all(Connection c) throws SQLException {
        return query(c, "SELECT " + COLUMNS + " FROM nodes ORDER BY registered_at, id", NodeTable::node);
    }

    static List<NodeRecord> silentSince(Connection c, Instant cutoff) throws SQLException {
        return query(c, "SELECT " + COLUMNS + " FROM nodes WHERE state IN ('ONLINE', 'DRAINING') "
                + "AND last_heartbeat < ? ORDER BY last_heartbeat, id", NodeTable::node, cutoff);
    }

    private static NodeRecord node(ResultSet rs) throws SQLException {
        String id = rs.getString("id");
        return new NodeRecord(id, rs.getString("public_key"), rs.getString("hostname"), rs.getString("os"),
                rs.getString("arch"), rs.getInt("cpus"), rs.getLong("memory_bytes"),
                fromJson(id, rs.getString("runtimes_json"), RUNTIMES), fromJson(id, rs.getString("gpus_json"), GPUS),
                rs.getString("agent_version"), rs.getString("protocol_version"),
                NodeState.valueOf(rs.getString("state")), Rows.instant(rs, "last_heartbeat"),
                Rows.instant(rs, "registered_at"));
    }

    private static String toJson(List<?> values) {
        try {
            return Json.mapper().writeValueAsString(values);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write " + values + " as JSON", e);
        }
    }

    private static <T> T fromJson(String nodeId, String json, TypeReference<T> type) throws SQLException {
        try {
            return Json.mapper().readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new SQLException("node " + nodeId + " has unreadable JSON in the store: " + json, e);
        }
    }
}
