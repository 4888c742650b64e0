// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Two stores (two pools, as two coordinators would have) on one PostgreSQL database, racing from several threads
 * each: what SQLite's single writer gave for free must hold with many writers.
 */
@DisplayName("Two PostgreSQL stores on one database, racing from many threads")
class PostgresConcurrencyTest {

    private static final int JOBS = 120;
    private static final int NODES = 6;
    private static final int THREADS = 12;
    private static final long PRICE = 1_000;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T12:00:00Z"));
    private Store a;
    private Store b;

    @BeforeEach
    void open() {
        PostgresCluster cluster = PostgresCluster.shared();
        String database = cluster.freshDatabase();
        a = Store.postgresql(cluster.location(database), cluster.password(), 6, clock);
        b = Store.postgresql(cluster.location(database), cluster.password(), 6, clock);
        a.ledger().post("deposit", TransferKind.DEPOSIT, "external", "client:alice", JOBS * PRICE * 4, null);
        for (int n = 0; n < NODES; n++) {
            Instant now = clock.instant();
            a.upsertNode(new NodeRecord("n" + n, "key-n" + n, "n" + n + ".example", "linux", "amd64", 8, 16L << 30,
                    List.of("docker"), List.of(), "0.1.0", "1.0", NodeState.ONLINE, now, now));
        }
    }

    @AfterEach
    void close() {
        a.close();
        b.close();
    }

    @Test
    @DisplayName("racing submissions, grants and re-grants lease each job exactly once per epoch, and racing releases "
            + "and refunds settle each hold once, leaving the ledger balanced")
    void leasesAndHoldsUnderRace() throws Exception {
        // submissions from both stores at once, each taking a hold: every one moves alice -> escrow
        race(i -> () -> store(i).submitJob("j" + i, "{\"image\":\"busybox\"}", 0, 3,
                new HoldRequest("client:alice", PRICE)), JOBS);
        assertThat(a.queuedJobs()).hasSize(JOBS);

        Queue<Lease> granted = new ConcurrentLinkedQueue<>();
        grantAll(granted);
        // a node goes silent on one coordinator while the other keeps granting: its jobs come back under epoch 2
        List<String> revoked = b.revokeLeasesOf("n0", "silent");
        assertThat(revoked).isNotEmpty();
        grantAll(granted);

        Map<String, Long> perJobEpoch = granted.stream()
                .collect(Collectors.groupingBy(l -> l.jobId() + "@" + l.epoch(), Collectors.counting()));
        assertThat(perJobEpoch.values()).as("grants per (job, epoch)").containsOnly(1L);
        assertThat(perJobEpoch).hasSize(JOBS + revoked.size());
        for (String job : revoked) {
            assertThat(a.lease(job, 2)).as("re-grant of %s", job).isPresent();
        }
        assertThat(a.jobs(Optional.of(JobState.LEASED))).hasSize(JOBS);

        // every hold settled from 4 threads over both stores: 2 try to release it, 2 to refund it
        List<HoldSettlement> outcomes = race(i -> {
            String job = "j" + (i / 4);
            Optional<String> payTo = i % 2 == 0 ? Optional.of(a.job(job).orElseThrow().nodeId()) : Optional.empty();
            return () -> store(i).ledger().settle(job, payTo, false);
        }, JOBS * 4);
        long settledNow = outcomes.stream().filter(o -> o instanceof HoldSettlement.Released
                || o instanceof HoldSettlement.Refunded).count();
        assertThat(settledNow).as("holds settled by this race").isEqualTo(JOBS);
        assertThat(a.ledger().transfers(Optional.empty(), Optional.empty(), 10_000)).filteredOn(
                t -> t.idempotencyKey().startsWith("settle:")).hasSize(JOBS);

        List<LedgerAccount> accounts = b.ledger().accounts();
        assertThat(accounts.stream().mapToLong(LedgerAccount::balanceMicros).sum()).as("sum of balances").isZero();
        assertThat(b.ledger().account(AccountKind.ESCROW_ID).orElseThrow().balanceMicros()).isZero();
        assertThat(b.ledger().account("client:alice").orElseThrow().balanceMicros()
                + accounts.stream().filter(x -> x.kind() == AccountKind.NODE).mapToLong(LedgerAccount::balanceMicros)
                        .sum()).isEqualTo(JOBS * PRICE * 4);
    }

    /** Every thread, alternately on either store, grants what it sees queued until nothing is left. */
    private void grantAll(Queue<Lease> granted) throws Exception {
        race(t -> () -> {
            Store s = store(t);
            String node = "n" + t % NODES;
            while (true) {
                List<JobRecord> queued = new ArrayList<>(s.queuedJobs());
                if (queued.isEmpty()) {
                    return null;
                }
                Collections.shuffle(queued);
                if (t % 3 == 0) {
                    granted.addAll(s.grantLeases(queued.stream().limit(5)
                            .map(j -> new LeaseGrant(j.id(), node, List.of(), null)).toList()));
                } else {
                    try {
                        granted.add(s.grantLease(queued.getFirst().id(), node));
                    } catch (IllegalStateException lost) {
                        // another thread or store leased it first
                    }
                }
            }
        }, THREADS);
    }

    private Store store(int i) {
        return i % 2 == 0 ? a : b;
    }

    /** Runs {@code count} calls at once on virtual threads; returns their results, failing on any failure. */
    private static <T> List<T> race(Function<Integer, java.util.concurrent.Callable<T>> call, int count)
            throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<T>> futures = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < count; i++) {
                java.util.concurrent.Callable<T> one = call.apply(i);
                futures.add(pool.submit(() -> {
                    start.await();
                    return one.call();
                }));
            }
            start.countDown();
        }
        List<T> results = new ArrayList<>();
        for (Future<T> f : futures) {
            results.add(f.get());
        }
        return results;
    }
}
