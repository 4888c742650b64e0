// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.coordinator.store.sql.StoreDump;
import dev.hearth.core.job.Redundancy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("export and import move a coordinator's store from SQLite to PostgreSQL, whole and checked")
class StoreDumpTest {

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T12:00:00Z"));

    @Test
    @DisplayName("every table arrives with its counts and ledger intact, and the imported store serves the jobs")
    void sqliteToPostgres() throws IOException {
        Database.Sqlite sqlite = new Database.Sqlite(dir.resolve("data/hearth.db"));
        List<LedgerTransfer> transfersBefore;
        List<AuditEvent> auditBefore;
        try (Store s = sqlite.open(clock)) {
            fill(s);
            transfersBefore = s.ledger().transfers(Optional.empty(), Optional.empty(), 1_000);
            auditBefore = s.tenants().auditTrail(100);
        }
        Path file = dir.resolve("hearth.export");

        StoreDump.Counts exported = StoreDump.export(sqlite, file);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(exported.schema()).isEqualTo("14");
        assertThat(exported.rows()).containsEntry("jobs", 8L).containsEntry("nodes", 2L).containsEntry("leases", 2L)
                .containsEntry("results", 1L).containsEntry("audit_events", 3L).containsEntry("node_tokens", 1L);

        PostgresCluster cluster = PostgresCluster.shared();
        Database.Postgres pg = new Database.Postgres(cluster.location(cluster.emptyDatabase()), cluster.password(), 4);
        StoreDump.Counts imported = StoreDump.importInto(file, pg);
        assertThat(imported).isEqualTo(exported);

        try (Store s = pg.open(clock)) {
            assertThat(s.jobCounts().get(JobState.QUEUED)).isEqualTo(5L);
            assertThat(s.queuedJobs()).extracting(JobRecord::id).contains("j3", "j4");
            assertThat(s.ledger().transfers(Optional.empty(), Optional.empty(), 1_000)).isEqualTo(transfersBefore);
            assertThat(s.tenants().auditTrail(100)).isEqualTo(auditBefore);
            assertThat(s.job("j1").orElseThrow().state()).isEqualTo(JobState.VERIFYING);
            assertThat(s.copies("r1")).hasSize(3);

            // it serves: the queued job is leased at epoch 1, the leased one takes its result, new numbers follow
            Lease lease = s.grantLease("j3", "n2");
            assertThat(lease.epoch()).isEqualTo(1);
            assertThat(s.acceptResult("j2", "n2", 1, "completed", 0, "{}"))
                    .isInstanceOf(ResultAcceptance.Accepted.class);
            Posted more = s.ledger().post("d2", TransferKind.DEPOSIT, "external", "client:alice", 7, null);
            assertThat(more.transfer().seq()).isGreaterThan(transfersBefore.getLast().seq());
            s.tenants().audit("admin:root", "POST /v1/x", "allowed", "after import");
            assertThat(s.tenants().auditTrail(1).getFirst().detail()).isEqualTo("after import");
        }
    }

    @Test
    @DisplayName("an import into a store that has data, or of a truncated file, is refused and leaves nothing behind")
    void refusals() throws IOException {
        Database.Sqlite sqlite = new Database.Sqlite(dir.resolve("data/hearth.db"));
        try (Store s = sqlite.open(clock)) {
            fill(s);
        }
        Path file = dir.resolve("hearth.export");
        StoreDump.export(sqlite, file);
        PostgresCluster cluster = PostgresCluster.shared();
        Database.Postgres pg = new Database.Postgres(cluster.location(cluster.emptyDatabase()), cluster.password(), 4);

        List<String> lines = Files.readAllLines(file);
        Path truncated = dir.resolve("truncated.export");
        Files.write(truncated, lines.subList(0, lines.size() - 5));
        assertThatThrownBy(() -> StoreDump.importInto(truncated, pg)).hasMessageContaining("truncated");
        try (Store s = pg.open(clock)) {
            assertThat(s.jobs(Optional.empty())).as("nothing of the failed import").isEmpty();
            s.submitJob("other", "{}", 0, 0);
        }
        assertThatThrownBy(() -> StoreDump.importInto(file, pg)).hasMessageContaining("jobs has 1 rows");
        assertThatThrownBy(() -> StoreDump.export(sqlite, file)).isInstanceOf(
                java.nio.file.FileAlreadyExistsException.class);
    }

    private void fill(Store s) {
        s.ledger().post("d1", TransferKind.DEPOSIT, "external", "client:alice", 1_000_000, null);
        s.createToken("rack", null);
        for (String n : List.of("n1", "n2")) {
            Instant now = clock.instant();
            s.upsertNode(new NodeRecord(n, "key-" + n, n + ".example", "linux", "amd64", 8, 16L << 30,
                    List.of("docker"), List.of(), "0.1.0", "1.0", NodeState.ONLINE, now, now));
        }
        for (int i = 1; i <= 4; i++) {
            s.submitJob("j" + i, "{\"image\":\"busybox\",\"spec\":{\"secrets\":{\"K\":\"v\"}}}", i, 1,
                    new HoldRequest("client:alice", 1_000));
        }
        s.submitRedundantJob("r1", "{}", 0, 0, new HoldRequest("client:alice", 3_000), new Redundancy(3, 2));
        s.grantLease("j1", "n1");
        s.grantLease("j2", "n2");
        s.acceptResult("j1", "n1", 1, "completed", 0, "{\"ok\":true}");
        clock.advance(java.time.Duration.ofMillis(1));
        for (int i = 0; i < 3; i++) {
            s.tenants().audit("admin:root", "POST /v1/jobs", "allowed", "event " + i);
        }
    }
}
