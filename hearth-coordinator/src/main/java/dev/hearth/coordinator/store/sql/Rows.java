// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store.sql;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;

/** Reads the schema's column types back: epoch-millisecond times, nullable or not. */
final class Rows {

    private Rows() {
    }

    /** A NOT NULL time column. */
    static Instant instant(ResultSet rs, String column) throws SQLException {
        return Instant.ofEpochMilli(rs.getLong(column));
    }

    /** A nullable time column. */
    static Instant nullableInstant(ResultSet rs, String column) throws SQLException {
        long millis = rs.getLong(column);
        return rs.wasNull() ? null : Instant.ofEpochMilli(millis);
    }
}
