// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.core.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("hearth coordinator migrate and backup work on the store without starting the coordinator")
class CoordinatorMaintenanceTest {

    @TempDir
    Path home;

    private Map<String, String> env() {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("HEARTH_HOME", home.toString());
        return env;
    }

    @Test
    @DisplayName("migrate on an empty folder creates the store at the newest version; again, it has nothing to do")
    void migrate() throws Exception {
        Path data = home.resolve("c");
        CliRun dry = CliRun.of(env(), "coordinator", "migrate", "--data", data.toString(), "--dry-run", "--json");
        assertThat(dry.exit()).as(dry.err()).isZero();
        JsonNode pending = Json.mapper().readTree(dry.out());
        assertThat(pending.get("before").asText()).isEqualTo("none");
        assertThat(pending.get("pending").size()).isGreaterThan(10);
        assertThat(pending.get("pending").get(0).get("version").asText()).isEqualTo("1");
        assertThat(data).as("a dry run creates nothing").doesNotExist();

        CliRun first = CliRun.of(env(), "coordinator", "migrate", "--data", data.toString());
        assertThat(first.exit()).as(first.err()).isZero();
        String newest = pending.get("pending").get(pending.get("pending").size() - 1).get("version").asText();
        assertThat(first.out()).contains("schema version before: none, after: " + newest)
                .contains("applied V1 init").doesNotContain("pending");
        Path db = data.resolve("hearth.db");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(db))).isEqualTo("rw-------");

        CliRun again = CliRun.of(env(), "coordinator", "migrate", "--data", data.toString(), "--json");
        assertThat(again.exit()).as(again.err()).isZero();
        JsonNode done = Json.mapper().readTree(again.out());
        assertThat(done.get("before").asText()).isEqualTo(newest);
        assertThat(done.get("after").asText()).isEqualTo(newest);
        assertThat(done.get("applied")).isEmpty();
        assertThat(done.get("pending")).isEmpty();
        CliRun dryAgain = CliRun.of(env(), "coordinator", "migrate", "--data", data.toString(), "--dry-run");
        assertThat(dryAgain.out()).contains("up to date");
    }

    @Test
    @DisplayName("backup copies the store of the default data folder into a private file and refuses to overwrite it")
    void backup() throws Exception {
        assertThat(CliRun.of(env(), "coordinator", "migrate").exit()).isZero();
        Path copy = home.resolve("copy.db");

        CliRun made = CliRun.of(env(), "coordinator", "backup", "-o", copy.toString(), "--json");
        assertThat(made.exit()).as(made.err()).isZero();
        JsonNode result = Json.mapper().readTree(made.out());
        assertThat(result.get("file").asText()).isEqualTo(copy.toAbsolutePath().toString());
        assertThat(result.get("bytes").asLong()).isEqualTo(Files.size(copy));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(copy))).isEqualTo("rw-------");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + copy); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM flyway_schema_history WHERE success = 1")) {
            rs.next();
            assertThat(rs.getInt(1)).isGreaterThan(10);
        }

        CliRun again = CliRun.of(env(), "coordinator", "backup", "-o", copy.toString());
        assertThat(again.exit()).isEqualTo(2);
        assertThat(again.err()).contains("--output").contains("--force");
        CliRun forced = CliRun.of(env(), "coordinator", "backup", "-o", copy.toString(), "--force");
        assertThat(forced.exit()).as(forced.err()).isZero();
        assertThat(forced.out()).startsWith("backed up " + copy.toAbsolutePath());
    }

    @Test
    @DisplayName("backup of a running coordinator, while jobs are submitted, holds every job submitted before it")
    void backupOfRunningCoordinator() throws Exception {
        Path data = home.resolve("live");
        Path copy = home.resolve("live.db");
        java.util.concurrent.atomic.AtomicInteger submitted = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        try (TestCoordinator coordinator = TestCoordinator.start(data)) {
            Thread submitter = new Thread(() -> {
                while (!stop.get()) {
                    CliRun r = CliRun.of(coordinator.env(), "job", "submit", "--", "echo", "hi");
                    if (r.exit() != 0) {
                        return;
                    }
                    submitted.incrementAndGet();
                }
            });
            submitter.start();
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (submitted.get() < 5 && System.nanoTime() < deadline && submitter.isAlive()) {
                Thread.sleep(10);
            }
            int before = submitted.get();
            CliRun made = CliRun.of(env(), "coordinator", "backup", "--data", data.toString(), "-o", copy.toString());
            int after = submitted.get();
            stop.set(true);
            submitter.join();
            assertThat(before).as("jobs submitted before the backup").isGreaterThanOrEqualTo(5);
            assertThat(made.exit()).as(made.err()).isZero();
            assertThat(made.err()).contains("backing up");
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + copy); Statement s = c.createStatement()) {
                try (ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
                    rs.next();
                    assertThat(rs.getString(1)).isEqualTo("ok");
                }
                try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM jobs")) {
                    rs.next();
                    // + 1: a job committed whose submit had not returned yet when the backup ended
                    assertThat(rs.getInt(1)).isBetween(before, after + 1);
                }
            }
        }
    }

    @Test
    @DisplayName("backup of a folder with no store is refused naming --data, and creates nothing")
    void backupMissingStore() {
        Path empty = home.resolve("none");
        CliRun r = CliRun.of(env(), "coordinator", "backup", "--data", empty.toString(), "-o",
                home.resolve("x.db").toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--data").contains("does not exist");
        assertThat(empty).doesNotExist();
        assertThat(home.resolve("x.db")).doesNotExist();
    }
}
