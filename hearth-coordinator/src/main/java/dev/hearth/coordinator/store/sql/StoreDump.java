// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store.sql;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hearth.coordinator.store.Database;
import dev.hearth.coordinator.store.StoreException;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code hearth coordinator export} and {@code import}: every table of a store, written from one consistent snapshot
 * into a file of JSON lines, and read into an empty store of any dialect (SQLite to PostgreSQL is the purpose) in one
 * transaction that is committed only when each table's row count matches the file's and the ledger's invariants hold.
 *
 * <p>The file: a header line {@code {"format":"hearth-store-dump","version":1,"schema":"12"}}; for each table a line
 * {@code {"table":NAME,"columns":[...]}}, one JSON array per row, and {@code {"end":NAME,"rows":N}}; last
 * {@code {"done":{NAME:N,...}}}. Values are JSON strings, integers or null, as the schema has only TEXT and integers.
 * The file holds everything the store does (webhook secrets, key hashes, job specs): it is written with mode 600.
 * Tables are written parents first, so foreign keys hold row by row; tables a later migration adds are written after
 * the known ones, in name order. Both stores must be at the same schema version (both are migrated first).
 *
 * <p>Thread-safe: each call uses its own connections.
 */
public final class StoreDump {

    /** What an export or import moved: rows per table, in the order written. */
    public record Counts(String schema, Map<String, Long> rows) {
        /** Copies the map. */
        public Counts {
            rows = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(rows));
        }
    }

    private static final String FORMAT = "hearth-store-dump";
    // parents before children: foreign keys hold as rows go in one by one
    private static final List<String> ORDER = List.of("node_tokens", "nodes", "jobs", "leases", "results",
            "ledger_accounts", "ledger_transfers", "ledger_holds", "settlement_outbox", "clients", "api_keys",
            "audit_events", "instance_owners", "idempotency_keys", "webhook_endpoints", "webhook_deliveries");
    // rows of a table in an order that keeps references whole (parents before copies) and numbers as they were
    private static final Map<String, String> ROW_ORDER = Map.of("jobs", "copy_index, id", "ledger_transfers", "seq",
            "audit_events", "rowid", "leases", "job_id, epoch");
    private static final ObjectMapper JSON = new ObjectMapper();

    private StoreDump() {
    }

    /**
     * Writes every table of {@code source} into {@code file} (created with mode 600; it must not exist).
     *
     * @throws StoreException when the store cannot be read or its ledger does not add up
     * @throws IOException when the file cannot be written
     */
    public static Counts export(Database source, Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        source.open(InstantSource.system()).close(); // brings the schema up to date
        try (Connection c = connect(source)) {
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE); // one snapshot (SQLite: its only level)
            List<String> broken = LedgerInvariant.violations(c);
            if (!broken.isEmpty()) {
                throw new StoreException("export " + source, new SQLException("the ledger does not add up: "
                        + String.join("; ", broken)));
            }
            String schema = schema(c);
            Map<String, Long> rows = new LinkedHashMap<>();
            try (var out = new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(createPrivate(file),
                    StandardOpenOption.WRITE), StandardCharsets.UTF_8))) {
                line(out, JSON.createObjectNode().put("format", FORMAT).put("version", 1).put("schema", schema));
                for (String table : tables(c)) {
                    rows.put(table, exportTable(c, table, out));
                }
                ObjectNode done = JSON.createObjectNode();
                rows.forEach(done.putObject("done")::put);
                line(out, done);
            }
            c.commit();
            return new Counts(schema, rows);
        } catch (SQLException e) {
            throw new StoreException("export " + source + " into " + file, e);
        }
    }

    /**
     * Reads {@code file} into {@code target}, which must be empty (migrated here when new), in one transaction.
     *
     * @throws StoreException when the target is not empty, its schema differs from the file's, a count does not
     *     match or the ledger does not add up; nothing is imported then
     * @throws IOException when the file cannot be read or is not an export
     */
    public static Counts importInto(Path file, Database target) throws IOException {
        target.open(InstantSource.system()).close();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8);
                Connection c = connect(target)) {
            c.setAutoCommit(false);
            JsonNode header = JSON.readTree(in.readLine());
            if (header == null || !FORMAT.equals(header.path("format").asText())) {
                throw new IOException(file + " is not a Hearth store export (its first line has no \"format\":\""
                        + FORMAT + "\")");
            }
            String schema = schema(c);
            if (!schema.equals(header.path("schema").asText())) {
                throw new StoreException("import " + file + " into " + target, new SQLException("the export is of "
                        + "schema version " + header.path("schema").asText() + " and the target is at " + schema
                        + ": migrate the source (hearth coordinator migrate) and export again"));
            }
            for (String table : tables(c)) {
                long n = count(c, table);
                if (n > 0) {
                    throw new StoreException("import into " + target, new SQLException("the target is not empty: "
                            + table + " has " + n + " rows; import into a new database"));
                }
            }
            Map<String, Long> rows = new LinkedHashMap<>();
            Map<String, Long> expected = new LinkedHashMap<>();
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                JsonNode node = JSON.readTree(line);
                if (node.has("table")) {
                    rows.put(node.get("table").asText(), importTable(c, node, in));
                } else if (node.has("done")) {
                    node.get("done").fields().forEachRemaining(f -> expected.put(f.getKey(), f.getValue().asLong()));
                }
            }
            if (!rows.equals(expected)) {
                throw new StoreException("import " + file, new SQLException("rows read " + rows
                        + " differ from the export's counts " + expected + " (a truncated file?)"));
            }
            for (var e : rows.entrySet()) {
                long n = count(c, e.getKey());
                if (n != e.getValue()) {
                    throw new StoreException("import " + file, new SQLException(e.getKey() + " has " + n
                            + " rows after the import, the export " + e.getValue()));
                }
            }
            List<String> broken = LedgerInvariant.violations(c);
            if (!broken.isEmpty()) {
                throw new StoreException("import " + file, new SQLException("the imported ledger does not add up: "
                        + String.join("; ", broken)));
            }
            if (target instanceof Database.Postgres) {
                // identity columns count on from the imported numbers
                for (String[] identity : new String[][] {{"ledger_transfers", "seq"}, {"audit_events", "rowid"},
                        {"events", "seq"}}) {
                    try (Statement s = c.createStatement()) {
                        s.execute("SELECT setval(pg_get_serial_sequence('" + identity[0] + "', '" + identity[1]
                                + "'), COALESCE(MAX(" + identity[1] + "), 0) + 1, false) FROM " + identity[0]);
                    }
                }
            }
            c.commit();
            return new Counts(schema, rows);
        } catch (SQLException e) {
            throw new StoreException("import " + file + " into " + target, e);
        }
    }

    private static long exportTable(Connection c, String table, BufferedWriter out) throws SQLException, IOException {
        List<String> columns = columns(c, table);
        if (table.equals("audit_events")) {
            // SQLite's implicit rowid orders events of one millisecond; PostgreSQL declares it as a column
            columns.remove("rowid");
            columns.addFirst("rowid");
        }
        ObjectNode head = JSON.createObjectNode().put("table", table);
        columns.forEach(head.putArray("columns")::add);
        line(out, head);
        long n = 0;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT " + String.join(", ", columns)
                + " FROM " + table + " ORDER BY " + ROW_ORDER.getOrDefault(table, "1"))) {
            while (rs.next()) {
                try (JsonGenerator g = JSON.getFactory().createGenerator(out)) {
                    g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
                    g.writeStartArray();
                    for (int i = 1; i <= columns.size(); i++) {
                        switch (rs.getObject(i)) {
                            case null -> g.writeNull();
                            case Integer v -> g.writeNumber(v);
                            case Long v -> g.writeNumber(v);
                            case String v -> g.writeString(v);
                            case Object v -> throw new SQLException(table + "." + columns.get(i - 1) + " holds a "
                                    + v.getClass().getSimpleName() + "; the schema has only text and integers");
                        }
                    }
                    g.writeEndArray();
                }
                out.write('\n');
                n++;
            }
        }
        line(out, JSON.createObjectNode().put("end", table).put("rows", n));
        return n;
    }

    private static long importTable(Connection c, JsonNode head, BufferedReader in) throws SQLException, IOException {
        String table = head.get("table").asText();
        List<String> columns = new ArrayList<>();
        head.get("columns").forEach(col -> columns.add(col.asText()));
        if (!tables(c).contains(table)) {
            throw new SQLException("the export has a table " + table + " the target's schema has not");
        }
        String sql = "INSERT INTO " + table + " (" + String.join(", ", columns) + ") VALUES ("
                + String.join(", ", java.util.Collections.nCopies(columns.size(), "?")) + ")";
        long n = 0;
        try (PreparedStatement insert = c.prepareStatement(sql)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                JsonNode row = JSON.readTree(line);
                if (row.isObject()) {
                    if (row.path("rows").asLong(-1) != n) {
                        throw new IOException("table " + table + ": " + n + " rows read, its end line says "
                                + row.path("rows"));
                    }
                    if (n % 500 != 0) {
                        insert.executeBatch();
                    }
                    return n;
                }
                for (int i = 0; i < columns.size(); i++) {
                    JsonNode v = row.get(i);
                    insert.setObject(i + 1, v == null || v.isNull() ? null : v.isIntegralNumber() ? v.asLong()
                            : v.asText());
                }
                insert.addBatch();
                if (++n % 500 == 0) {
                    insert.executeBatch();
                }
            }
        }
        throw new IOException("table " + table + " has no end line: the file is truncated");
    }

    /** The tables to move: the known ones in reference order, then any others in name order. */
    private static List<String> tables(Connection c) throws SQLException {
        List<String> found = new ArrayList<>();
        try (ResultSet rs = c.getMetaData().getTables(null, c.getSchema(), "%", new String[] {"TABLE"})) {
            while (rs.next()) {
                String name = rs.getString("TABLE_NAME");
                if (!name.startsWith("sqlite_") && !name.equals("flyway_schema_history")) {
                    found.add(name);
                }
            }
        }
        List<String> ordered = new ArrayList<>(ORDER.stream().filter(found::contains).toList());
        found.stream().filter(t -> !ORDER.contains(t)).sorted().forEach(ordered::add);
        return ordered;
    }

    private static List<String> columns(Connection c, String table) throws SQLException {
        List<String> columns = new ArrayList<>();
        DatabaseMetaData meta = c.getMetaData();
        try (ResultSet rs = meta.getColumns(null, c.getSchema(), table, "%")) {
            while (rs.next()) {
                columns.add(rs.getString("COLUMN_NAME"));
            }
        }
        return columns;
    }

    private static long count(Connection c, String table) throws SQLException {
        return Statements.queryOne(c, "SELECT COUNT(*) FROM " + table, rs -> rs.getLong(1)).orElse(0L);
    }

    private static String schema(Connection c) throws SQLException {
        return Statements.queryOne(c, "SELECT version FROM flyway_schema_history WHERE success AND version IS NOT NULL "
                + "ORDER BY installed_rank DESC LIMIT 1", rs -> rs.getString(1)).orElse("none");
    }

    private static Connection connect(Database database) throws SQLException {
        return switch (database) {
            case Database.Sqlite s -> SqliteStore.config().createConnection(SqliteStore.url(s.file().toAbsolutePath()));
            case Database.Postgres p -> PostgresStore.unpooled(p.location(), p.password()).getConnection();
        };
    }

    private static Path createPrivate(Path file) throws IOException {
        boolean posix = file.getFileSystem().supportedFileAttributeViews().contains("posix");
        return posix ? Files.createFile(file, PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rw-------"))) : Files.createFile(file);
    }

    private static void line(BufferedWriter out, JsonNode node) throws IOException {
        out.write(JSON.writeValueAsString(node));
        out.write('\n');
    }
}
