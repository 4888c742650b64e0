// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The SQLite store keeps the store contract, in a private WAL file migrated once")
class SqliteStoreTest extends StoreContract {

    @Override
    protected Store open(Path dir, InstantSource clock) {
        return Store.sqlite(file(dir), clock);
    }

    private static Path file(Path dir) {
        return dir.resolve("data").resolve("hearth.db");
    }

    @Test
    @DisplayName("the database file and its WAL are readable by their owner only, in a folder only the owner enters")
    void privateFiles() throws IOException {
        submit("j1", 0);

        Path db = file(dir);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(db))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(db.resolveSibling("hearth.db-wal"))))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(db.getParent())))
                .isEqualTo("rwx------");
    }

    @Test
    @DisplayName("an existing database file that others could read is narrowed to mode 600 on opening")
    void narrowsExistingFile() throws IOException {
        store().close();
        Files.setPosixFilePermissions(file(dir), PosixFilePermissions.fromString("rw-r--r--"));

        reopen();

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file(dir)))).isEqualTo("rw-------");
    }

    @Test
    @DisplayName("a token's plaintext is nowhere in the database files; its hash is")
    void plaintextNeverStored() throws IOException {
        IssuedToken issued = store().createToken("rack 4", null);
        store().authenticateToken(issued.plaintext(), "key-a");

        String files = databaseBytes();
        assertThat(files).doesNotContain(issued.plaintext())
                .doesNotContain(issued.plaintext().substring(4))
                .contains(issued.record().tokenHash());
        store().close();
        assertThat(databaseBytes()).doesNotContain(issued.plaintext().substring(4))
                .contains(issued.record().tokenHash());
    }

    @Test
    @DisplayName("the file is in WAL mode and the schema is migrated once, however often it is opened")
    void walAndMigratedOnce() throws SQLException {
        submit("j1", 0);
        reopen();
        reopen();

        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file(dir));
                Statement s = c.createStatement()) {
            assertThat(single(s, "PRAGMA journal_mode")).isEqualTo("wal");
            assertThat(single(s, "SELECT group_concat(version || ':' || success) FROM flyway_schema_history "
                    + "WHERE version IS NOT NULL")).isEqualTo("1:1,2:1,3:1,4:1,5:1,6:1,7:1,8:1,9:1,10:1,11:1,12:1,13:1,14:1");
            assertThat(single(s, "SELECT count(*) FROM jobs")).isEqualTo("1");
        }
    }

    @Test
    @DisplayName("the schema itself refuses a negative balance (but for external), a zero transfer and a second settlement")
    void ledgerConstraints() throws SQLException {
        store().ledger().post("d1", TransferKind.DEPOSIT, "external", "client:alice", 5, null);
        registerNode("n1");
        submit("j1", 0);

        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file(dir));
                Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.executeUpdate("UPDATE ledger_accounts SET balance = -1 WHERE id = 'client:alice'"))
                    .isInstanceOf(SQLException.class).hasMessageContaining("CHECK");
            assertThat(s.executeUpdate("UPDATE ledger_accounts SET balance = balance - 1 WHERE id = 'external'"))
                    .isEqualTo(1);
            assertThatThrownBy(() -> s.executeUpdate("INSERT INTO ledger_transfers (idempotency_key, kind, "
                    + "from_account, to_account, amount, created_at) VALUES ('z', 'DEPOSIT', 'external', "
                    + "'client:alice', 0, 0)")).isInstanceOf(SQLException.class).hasMessageContaining("CHECK");
            assertThatThrownBy(() -> s.executeUpdate("INSERT INTO ledger_transfers (idempotency_key, kind, "
                    + "from_account, to_account, amount, created_at) VALUES ('d1', 'DEPOSIT', 'external', "
                    + "'client:alice', 5, 0)")).isInstanceOf(SQLException.class).hasMessageContaining("UNIQUE");
            assertThatThrownBy(() -> s.executeUpdate("UPDATE ledger_holds SET state = 'RELEASED', "
                    + "settled_at = 1 WHERE job_id = 'j1'")).isInstanceOf(SQLException.class)
                    .hasMessageContaining("CHECK");
        }
    }

    @Test
    @DisplayName("a version 2 database with jobs, leases and results migrates to version 3 keeping every row, its "
            + "references whole and its old result unsigned")
    void migratesFromVersion2() throws SQLException {
        Path old = dir.resolve("v2").resolve("hearth.db");
        org.sqlite.SQLiteDataSource ds = new org.sqlite.SQLiteDataSource();
        ds.setUrl("jdbc:sqlite:" + old.toAbsolutePath());
        old.getParent().toFile().mkdirs();
        org.flywaydb.core.Flyway.configure().dataSource(ds).locations("classpath:db/migration/sqlite").target("2")
                .load().migrate();
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO nodes VALUES ('n1', 'k', 'h', 'linux', 'amd64', 2, 1, '[]', '[]', 'v', 'hearth/1', "
                    + "'ONLINE', 1, 1)");
            s.execute("INSERT INTO jobs VALUES ('done', '{}', 0, 0, 1, 'COMPLETED', NULL, 1, 2, 'n1', 1)");
            s.execute("INSERT INTO jobs VALUES ('waiting', '{}', 5, 1, 0, 'QUEUED', NULL, 3, 3, NULL, 0)");
            s.execute("INSERT INTO leases VALUES ('done', 1, 'n1', 1, 2, 'result completed', '')");
            s.execute("INSERT INTO results VALUES ('done', 1, 'n1', 'completed', 0, '{}', 2)");
        }

        try (Store migrated = Store.sqlite(old, clock())) {
            assertThat(migrated.job("done").orElseThrow().state()).isEqualTo(JobState.COMPLETED);
            assertThat(migrated.job("waiting").orElseThrow().priority()).isEqualTo(5);
            assertThat(migrated.verdict("done").orElseThrow().outcome()).isEqualTo(VerdictOutcome.UNSIGNED);
            assertThat(migrated.unannouncedVerdicts()).isEmpty();
            assertThat(migrated.pendingVerifications(clock().instant())).isEmpty();
            assertThat(migrated.job("waiting").orElseThrow().isCopy()).as("V5: an old job is no copy").isFalse();
            assertThat(migrated.job("waiting").orElseThrow().redundancy().redundant()).isFalse();
            assertThat(migrated.queuedJobs()).extracting(JobRecord::id).containsExactly("waiting");
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + old); Statement s = c.createStatement()) {
            assertThat(single(s, "SELECT count(*) FROM pragma_foreign_key_check")).isEqualTo("0");
            assertThat(single(s, "SELECT sql FROM sqlite_master WHERE name = 'jobs'")).contains("VERIFYING")
                    .contains("REDUNDANT").contains("parent_id");
        }
    }

    @Test
    @DisplayName("a file that is not a database is refused with a StoreException naming the file")
    void notADatabase() throws IOException {
        Path bogus = dir.resolve("bogus.db");
        Files.writeString(bogus, "this is not a database, it is a text file of some length. ".repeat(40));

        assertThatThrownBy(() -> Store.sqlite(bogus, clock())).isInstanceOf(StoreException.class)
                .hasMessageContaining(bogus.toString()).hasCauseInstanceOf(RuntimeException.class);
    }

    private String databaseBytes() throws IOException {
        List<Path> all = new ArrayList<>();
        try (var files = Files.list(file(dir).getParent())) {
            files.forEach(all::add);
        }
        StringBuilder text = new StringBuilder();
        for (Path p : all) {
            text.append(new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1));
        }
        return text.toString();
    }

    private static String single(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
