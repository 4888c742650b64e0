// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store.sql;

import static dev.hearth.coordinator.store.sql.Statements.query;
import static dev.hearth.coordinator.store.sql.Statements.update;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.hearth.coordinator.store.InstanceCommand;
import dev.hearth.core.json.Json;
import dev.hearth.core.protocol.InstanceResult;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collection;
import java.util.Collections;
import java.util.List;

/** The {@code instance_commands} table's statements (V15); the result's JSON is written and read only here. */
final class InstanceCommandTable {

    private static final String COLUMNS = "request_id, node_id, instance_id, action, owner, state, result, "
            + "created_at, finished_at";

    private InstanceCommandTable() {
    }

    /** Inserts a pending command; false when its request id exists. */
    static boolean insert(Connection c, InstanceCommand command) throws SQLException {
        return update(c, "INSERT INTO instance_commands (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, NULL, ?, NULL) "
                + "ON CONFLICT (request_id) DO NOTHING", command.requestId(), command.nodeId(), command.instanceId(),
                command.action(), command.owner(), command.state(), command.createdAt()) == 1;
    }

    static List<InstanceCommand> pending(Connection c, Instant since) throws SQLException {
        return query(c, "SELECT " + COLUMNS + " FROM instance_commands WHERE state = 'PENDING' AND created_at >= ? "
                + "ORDER BY created_at, request_id", InstanceCommandTable::row, since);
    }

    static boolean claim(Connection c, String requestId) throws SQLException {
        return update(c, "UPDATE instance_commands SET state = 'SENT' WHERE request_id = ? AND state = 'PENDING'",
                requestId) == 1;
    }

    /** Ends the command with {@code result} if it is in one of {@code from} (SQL list of quoted states). */
    static boolean finish(Connection c, String requestId, InstanceResult result, String from, Instant now)
            throws SQLException {
        return update(c, "UPDATE instance_commands SET state = ?, result = ?, finished_at = ? WHERE request_id = ? "
                + "AND state IN (" + from + ")", result.ok() ? InstanceCommand.State.DONE
                        : InstanceCommand.State.FAILED, json(result), now, requestId) == 1;
    }

    static List<InstanceCommand> byIds(Connection c, Collection<String> ids) throws SQLException {
        if (ids.isEmpty()) {
            return List.of();
        }
        return query(c, "SELECT " + COLUMNS + " FROM instance_commands WHERE request_id IN ("
                + String.join(", ", Collections.nCopies(ids.size(), "?")) + ")", InstanceCommandTable::row,
                ids.toArray());
    }

    static boolean remove(Connection c, String requestId) throws SQLException {
        return update(c, "DELETE FROM instance_commands WHERE request_id = ?", requestId) == 1;
    }

    static int prune(Connection c, Instant endedBefore, Instant recordedBefore) throws SQLException {
        return update(c, "DELETE FROM instance_commands WHERE finished_at < ? OR created_at < ?", endedBefore,
                recordedBefore);
    }

    private static InstanceCommand row(ResultSet rs) throws SQLException {
        String result = rs.getString("result");
        return new InstanceCommand(rs.getString("request_id"), rs.getString("node_id"), rs.getString("instance_id"),
                rs.getString("action"), rs.getString("owner"), InstanceCommand.State.valueOf(rs.getString("state")),
                result == null ? null : result(rs.getString("request_id"), result), Rows.instant(rs, "created_at"),
                Rows.nullableInstant(rs, "finished_at"));
    }

    private static String json(InstanceResult result) {
        try {
            return Json.mapper().writeValueAsString(result);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the result of instance command " + result.requestId()
                    + " did not serialise", e);
        }
    }

    private static InstanceResult result(String requestId, String json) {
        try {
            return Json.mapper().readValue(json, InstanceResult.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the stored result of instance command " + requestId + " is not an "
                    + "instance_result", e);
        }
    }
}
