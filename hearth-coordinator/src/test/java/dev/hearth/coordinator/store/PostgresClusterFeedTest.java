// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Two stores on one PostgreSQL database, as two coordinators have them: each hears of the jobs the other changed,
 * and exactly one decides liveness, passing it on when it goes.
 */
@DisplayName("Coordinators on one PostgreSQL tell each other of changed jobs and pick one to decide liveness")
class PostgresClusterFeedTest {

    private PostgresCluster cluster;
    private String database;
    private Store a;
    private Store b;
    private final Heard heardByA = new Heard();
    private final Heard heardByB = new Heard();

    /** What a watcher was told. */
    static final class Heard implements JobWatch {
        final Set<String> changed = ConcurrentHashMap.newKeySet();
        final AtomicInteger missed = new AtomicInteger();

        @Override
        public void changed(String jobId) {
            changed.add(jobId);
        }

        @Override
        public void missed() {
            missed.incrementAndGet();
        }
    }

    @BeforeEach
    void open() {
        cluster = PostgresCluster.shared();
        database = cluster.freshDatabase();
        a = Store.postgresql(cluster.location(database), cluster.password(), 4, InstantSource.system());
        b = Store.postgresql(cluster.location(database), cluster.password(), 4, InstantSource.system());
        a.watchJobs(heardByA);
        b.watchJobs(heardByB);
    }

    @AfterEach
    void close() {
        a.close();
        b.close();
    }

    @Test
    @DisplayName("a submit, a batch grant and a cancel on one store reach the other's watchers; the own changes of a "
            + "store reach its watchers once, from itself, and a batch grant not at all")
    void changesReachTheOther() throws Exception {
        Instant now = Instant.now();
        a.upsertNode(new NodeRecord("n1", "key-n1", "n1.example", "linux", "amd64", 8, 16L << 30, List.of("docker"),
                List.of(), "0.1.0", "1.0", NodeState.ONLINE, now, now));
        a.submitJob("j1", "{\"image\":\"hearth/busybox\"}", 0, 3);
        a.submitJob("j2", "{\"image\":\"hearth/busybox\"}", 0, 3);
        await("b hears of both submits", () -> heardByB.changed.containsAll(List.of("j1", "j2")));
        assertThat(heardByA.changed).containsExactlyInAnyOrder("j1", "j2");

        heardByA.changed.clear();
        heardByB.changed.clear();
        assertThat(b.grantLeases(List.of(new LeaseGrant("j1", "n1", List.of(), null)))).hasSize(1);
        await("a hears of b's grant", () -> heardByA.changed.contains("j1"));
        a.cancelJob("j2");
        await("b hears of a's cancel", () -> heardByB.changed.contains("j2"));
        Thread.sleep(300);
        assertThat(heardByB.changed).as("b's own batch grant is applied by its caller, not reported").doesNotContain(
                "j1");
        assertThat(heardByA.changed).as("a hears b's grant, and its own cancel").containsExactlyInAnyOrder("j1",
                "j2");
    }

    @Test
    @DisplayName("exactly one store decides; when it closes the other takes over; a lost listening connection is "
            + "reopened and its watchers told to read everything")
    void oneDecides() throws Exception {
        await("one of them decides", () -> a.decidesLiveness() || b.decidesLiveness());
        Thread.sleep(1500); // the other has tried the lock again meanwhile
        assertThat(a.decidesLiveness() ^ b.decidesLiveness()).as("exactly one decides").isTrue();
        Store decider = a.decidesLiveness() ? a : b;
        Store other = decider == a ? b : a;
        Heard otherHeard = other == a ? heardByA : heardByB;
        decider.close();
        await("the other takes over", other::decidesLiveness);

        int missedBefore = otherHeard.missed.get();
        cluster.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + database
                + "' AND query LIKE 'SELECT pg_try_advisory_lock%'");
        await("the listener reconnected and told its watchers they missed changes",
                () -> otherHeard.missed.get() > missedBefore);
        await("it decides again after reconnecting", other::decidesLiveness);
        // the closed decider is closed again by close(): a store's close is idempotent
    }

    private static void await(String what, BooleanSupplier check) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!check.getAsBoolean()) {
            assertThat(System.nanoTime()).as("%s within 20 s", what).isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
