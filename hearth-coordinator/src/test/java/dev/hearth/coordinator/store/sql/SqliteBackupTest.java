// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.coordinator.store.AccountKind;
import dev.hearth.coordinator.store.HoldRequest;
import dev.hearth.coordinator.store.Store;
import dev.hearth.coordinator.store.TransferKind;
import dev.hearth.core.InvalidInputException;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("A backup of the SQLite store is one consistent snapshot, taken while writers commit")
class SqliteBackupTest {

    private static final String CLIENT = AccountKind.client("alice");

    @TempDir
    Path dir;
    private Path db;
    private Store store;

    @BeforeEach
    void open() {
        db = dir.resolve("data").resolve("hearth.db");
        store = Store.sqlite(db, InstantSource.system());
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    @DisplayName("copies taken under two concurrent writers hold every transaction committed before, none torn")
    void consistentUnderWriters() throws Exception {
        store.ledger().post("seed", TransferKind.DEPOSIT, "external", CLIENT, 1_000_000_000L, null);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger deposits = new AtomicInteger();
        AtomicInteger jobs = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> writers = List.of(
                writer(stop, failure, () -> {
                    int i = deposits.get();
                    store.ledger().post("d" + i, TransferKind.DEPOSIT, "external", CLIENT, 1 + i % 997, null);
                    deposits.incrementAndGet();
                }),
                writer(stop, failure, () -> {
                    int i = jobs.get();
                    // a job, its hold and its HOLD transfer: one transaction
                    store.submitJob("j" + i, "{}", 0, 0, new HoldRequest(CLIENT, 1 + i % 13));
                    jobs.incrementAndGet();
                }));
        writers.forEach(Thread::start);
        List<Path> copies = new ArrayList<>();
        try {
            for (int round = 0; round < 3; round++) {
                waitFor(() -> deposits.get() > 50 && jobs.get() > 50, failure);
                int depositsBefore = deposits.get();
                int jobsBefore = jobs.get();
                Path copy = dir.resolve("copy-" + round + ".db");
                SqliteBackup.Copy made = SqliteBackup.copy(db, "--data", copy, "--output", false);
                int depositsAfter = deposits.get();
                int jobsAfter = jobs.get();

                assertThat(made.file()).isEqualTo(copy.toAbsolutePath());
                assertThat(made.bytes()).isEqualTo(Files.size(copy));
                try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + copy); Statement s = c.createStatement()) {
                    assertThat(one(s, "PRAGMA integrity_check")).isEqualTo("ok");
                    assertThat(one(s, "SELECT MAX(CAST(version AS INTEGER)) FROM flyway_schema_history"))
                            .isEqualTo(SqliteSchema.inspect(db).after()).isEqualTo(made.schemaVersion());
                    long copiedDeposits = Long.parseLong(one(s, "SELECT COUNT(*) FROM ledger_transfers "
                            + "WHERE idempotency_key LIKE 'd%'"));
                    long copiedJobs = Long.parseLong(one(s, "SELECT COUNT(*) FROM jobs WHERE id LIKE 'j%'"));
                    // everything committed before the copy began is in it; nothing committed after it ended. A
                    // writer counts a commit just after making it, so one commit of each may be in the copy but
                    // not yet in the count read when the copy ended: hence the + 1.
                    assertThat(copiedDeposits).isBetween((long) depositsBefore, depositsAfter + 1L);
                    assertThat(copiedJobs).isBetween((long) jobsBefore, jobsAfter + 1L);
                    // a prefix of each writer's sequence: no commit missing in the middle
                    assertThat(one(s, "SELECT COUNT(*) FROM ledger_transfers WHERE idempotency_key = 'd"
                            + (copiedDeposits - 1) + "'")).isEqualTo("1");
                    assertThat(one(s, "SELECT COUNT(*) FROM jobs WHERE id = 'j" + (copiedJobs - 1) + "'"))
                            .isEqualTo("1");
                    // no torn transaction: every job has its hold and its transfer, and the books balance
                    assertThat(one(s, "SELECT COUNT(*) FROM ledger_holds WHERE job_id LIKE 'j%'"))
                            .isEqualTo(String.valueOf(copiedJobs));
                    assertThat(one(s, "SELECT COUNT(*) FROM ledger_transfers WHERE kind = 'HOLD'"))
                            .isEqualTo(String.valueOf(copiedJobs));
                    assertThat(one(s, "SELECT SUM(balance) FROM ledger_accounts")).isEqualTo("0");
                    assertThat(one(s, "SELECT COUNT(*) FROM ledger_accounts a WHERE a.balance <> "
                            + "(SELECT COALESCE(SUM(amount), 0) FROM ledger_transfers WHERE to_account = a.id) - "
                            + "(SELECT COALESCE(SUM(amount), 0) FROM ledger_transfers WHERE from_account = a.id)"))
                            .isEqualTo("0");
                }
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(copy))).isEqualTo("rw-------");
                copies.add(copy);
            }
        } finally {
            stop.set(true);
            for (Thread t : writers) {
                t.join();
            }
        }
        assertThat(failure.get()).isNull();
        try (var listing = Files.list(dir)) {
            assertThat(listing.map(p -> p.getFileName().toString())).as("no partial file left")
                    .containsExactlyInAnyOrder("data", "copy-0.db", "copy-1.db", "copy-2.db");
        }
        // a copy is a store the coordinator opens as it is (a restore)
        Path restored = dir.resolve("restored").resolve("hearth.db");
        Files.createDirectories(restored.getParent());
        Files.copy(copies.get(2), restored);
        Store back = Store.sqlite(restored, InstantSource.system());
        try {
            assertThat(back.job("j0")).isPresent();
        } finally {
            back.close();
        }
    }

    @Test
    @DisplayName("an existing target is refused, naming the option and --force, and left as it was; --force replaces it")
    void existingTarget() throws Exception {
        Path target = dir.resolve("old.db");
        Files.writeString(target, "keep me");

        assertThatThrownBy(() -> SqliteBackup.copy(db, "--data", target, "--output", false))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("--output").hasMessageContaining("--force");
        assertThat(Files.readString(target)).isEqualTo("keep me");

        SqliteBackup.copy(db, "--data", target, "--output", true);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + target); Statement s = c.createStatement()) {
            assertThat(one(s, "PRAGMA integrity_check")).isEqualTo("ok");
        }
        try (var listing = Files.list(dir)) {
            assertThat(listing.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("data", "old.db");
        }
    }

    @Test
    @DisplayName("a missing store, a missing target folder and a folder as target are refused naming the option")
    void badInput() {
        assertThatThrownBy(() -> SqliteBackup.copy(dir.resolve("nothing/hearth.db"), "--data", dir.resolve("c.db"),
                "--output", false)).isInstanceOf(InvalidInputException.class).hasMessageContaining("--data")
                .hasMessageContaining("does not exist");
        assertThat(dir.resolve("nothing")).doesNotExist();
        assertThatThrownBy(() -> SqliteBackup.copy(db, "--data", dir.resolve("no/such/c.db"), "--output", false))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("--output")
                .hasMessageContaining("existing folder");
        assertThatThrownBy(() -> SqliteBackup.copy(db, "--data", dir, "--output", true))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("--output")
                .hasMessageContaining("not a folder");
    }

    private interface Step {
        void run() throws Exception;
    }

    private static Thread writer(AtomicBoolean stop, AtomicReference<Throwable> failure, Step step) {
        return new Thread(() -> {
            try {
                while (!stop.get()) {
                    step.run();
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        });
    }

    private static void waitFor(java.util.function.BooleanSupplier condition, AtomicReference<Throwable> failure)
            throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertThat(failure.get()).isNull();
            assertThat(System.nanoTime()).as("writers progress").isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    private static String one(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
