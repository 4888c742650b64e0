// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.results;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.coordinator.ledger.Settlement;
import dev.hearth.coordinator.oracle.Oracle;
import dev.hearth.coordinator.oracle.OraclePolicy;
import dev.hearth.coordinator.oracle.VerificationQueue;
import dev.hearth.coordinator.store.CommittedResult;
import dev.hearth.coordinator.store.Hold;
import dev.hearth.coordinator.store.JobRecord;
import dev.hearth.coordinator.store.JobState;
import dev.hearth.coordinator.store.NodeRecord;
import dev.hearth.coordinator.store.NodeState;
import dev.hearth.coordinator.store.ResultAcceptance;
import dev.hearth.coordinator.store.ResultRecord;
import dev.hearth.coordinator.store.Store;
import dev.hearth.coordinator.store.StoreException;
import dev.hearth.coordinator.webhook.WebhookEvents;
import dev.hearth.core.json.Json;
import dev.hearth.core.job.Redundancy;
import dev.hearth.core.protocol.JobResultMessage;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Results are judged on their callers' threads and committed in groups, each caller answered after the commit")
class ResultCommitsTest {

    /** A stored spec as the API writes it. */
    private static final String SPEC = "{\"spec\":{\"image\":\"hearth/busybox\",\"command\":[\"true\"],"
            + "\"memory\":\"512m\",\"cpus\":\"1.5\",\"timeoutSeconds\":60},\"estimatedSeconds\":1,\"gpuCount\":0,"
            + "\"minVramMib\":0}";

    @TempDir
    Path dir;
    private final InstantSource clock = InstantSource.system();
    private Store real;
    private Store store;
    /** The sizes of the batches the writer committed. */
    private final List<Integer> batches = new CopyOnWriteArrayList<>();
    /** Released to let the writer's first batch commit (it waits so that the others queue behind it). */
    private final CountDownLatch firstMayCommit = new CountDownLatch(1);
    private final AtomicBoolean holdFirst = new AtomicBoolean();
    private final AtomicBoolean failBatches = new AtomicBoolean();
    private final AtomicInteger heldBatch = new AtomicInteger();
    private VerificationQueue verifier;
    private ResultCommits commits;

    @BeforeEach
    void open() {
        real = Store.sqlite(dir.resolve("hearth.db"), clock);
        store = (Store) Proxy.newProxyInstance(Store.class.getClassLoader(), new Class<?>[] {Store.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("commitResults")) {
                        if (holdFirst.getAndSet(false)) {
                            heldBatch.set(((List<?>) args[0]).size());
                            firstMayCommit.await(10, TimeUnit.SECONDS);
                        }
                        if (failBatches.get()) {
                            throw new StoreException("commit results", new IllegalStateException("disk full"));
                        }
                        batches.add(((List<?>) args[0]).size());
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        Oracle oracle = new Oracle(store, OraclePolicy.DEFAULTS);
        verifier = new VerificationQueue(store, oracle, clock, Duration.ofSeconds(1), false, 5, Duration.ofSeconds(1));
        Settlement settlement = new Settlement(store, false, () -> { }, false);
        commits = new ResultCommits(store, oracle, verifier, settlement, new WebhookEvents(store, clock, () -> { }),
                null, 16, 64);
        commits.start();
    }

    @AfterEach
    void close() {
        firstMayCommit.countDown();
        commits.close();
        verifier.close();
        real.close();
    }

    private void leased(String jobId, String nodeId) {
        Instant now = clock.instant();
        store.upsertNode(new NodeRecord(nodeId, "key-" + nodeId, nodeId + ".example", "linux", "amd64", 8, 16L << 30,
                List.of("docker"), List.of(), "0.1.0", "1.0", NodeState.ONLINE, now, now));
        store.submitJob(jobId, SPEC, 0, 1);
        store.grantLease(jobId, nodeId);
    }

    /** An unsigned result from a hearth/1 node: the oracle fails it on the check {@code unsigned}. */
    private ResultRecord result(String jobId, String nodeId, long epoch) {
        JobResultMessage m = new JobResultMessage(jobId, nodeId, "completed", true, "", 0, null, null,
                clock.millis(), epoch, null, null, null, 0L, false, null, null, null);
        return new ResultRecord(jobId, epoch, nodeId, "completed", 0, Json.mapper().valueToTree(m).toString(),
                clock.instant());
    }

    private Optional<ResultCommits.Finished> finish(String jobId, String nodeId) throws InterruptedException {
        return commits.finish(result(jobId, nodeId, 1), null, store.job(jobId));
    }

    @Test
    @DisplayName("results of many nodes waiting at once go in few transactions; each caller hears its own verdict, "
            + "each job ends and its hold is settled once")
    void groupCommit() throws Exception {
        int n = 40;
        for (int i = 0; i < n; i++) {
            leased("j" + i, "n" + i);
        }
        holdFirst.set(true);
        List<Future<Optional<ResultCommits.Finished>>> answers = new ArrayList<>();
        try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < n; i++) {
                String id = "j" + i;
                String node = "n" + i;
                answers.add(callers.submit(() -> finish(id, node)));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (heldBatch.get() + commits.waiting() < n && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            firstMayCommit.countDown();
        }

        for (int i = 0; i < n; i++) {
            ResultCommits.Finished f = answers.get(i).get().orElseThrow();
            assertThat(f.acceptance()).isInstanceOf(ResultAcceptance.Accepted.class);
            assertThat(f.verdict().orElseThrow().jobId()).isEqualTo("j" + i);
            assertThat(f.verdict().orElseThrow().failure().orElseThrow().name()).isEqualTo("unsigned");
            assertThat(store.job("j" + i).orElseThrow().state()).isEqualTo(JobState.FAILED);
            assertThat(store.ledger().hold("j" + i).orElseThrow().state()).isEqualTo(Hold.State.REFUNDED);
        }
        assertThat(batches.stream().mapToInt(Integer::intValue).sum()).isEqualTo(n);
        assertThat(batches).hasSizeLessThanOrEqualTo(1 + (n - 1 + 15) / 16).allSatisfy(b -> assertThat(b)
                .isLessThanOrEqualTo(16));
        assertThat(store.unannouncedVerdicts()).isEmpty();
        assertThat(store.webhooks().lastEventSeq()).isEqualTo(2L * n);
    }

    @Test
    @DisplayName("a result under a stale lease is answered with the refusal the step-by-step path gives, writing nothing")
    void staleRefused() throws Exception {
        leased("j1", "n1");
        Optional<JobRecord> seen = store.job("j1");
        store.revokeLeasesOf("n1", "node n1 lost");

        Optional<ResultCommits.Finished> f = commits.finish(result("j1", "n1", 1), null, seen);

        assertThat(f.orElseThrow().acceptance()).isInstanceOf(ResultAcceptance.StaleEpoch.class);
        assertThat(f.orElseThrow().verdict()).isEmpty();
        assertThat(store.result("j1")).isEmpty();
    }

    @Test
    @DisplayName("a batch that does not commit sends each of its results back to be written step by step")
    void failedBatchGoesStepByStep() throws Exception {
        leased("j1", "n1");
        failBatches.set(true);

        assertThat(finish("j1", "n1")).isEmpty();
        assertThat(store.job("j1").orElseThrow().state()).isEqualTo(JobState.LEASED);
        assertThat(store.result("j1")).isEmpty();
    }

    @Test
    @DisplayName("a paused verifier, a job not under the sender's lease, or a listener that must hear each verdict: the "
            + "result goes step by step")
    void notTaken() throws Exception {
        leased("j1", "n1");
        verifier.pause();
        assertThat(finish("j1", "n1")).isEmpty();
        verifier.resume();
        assertThat(finish("j1", "n2")).isEmpty();
        verifier.addListener((jobId, nodeId, v) -> { });
        assertThat(finish("j1", "n1")).isEmpty();
        assertThat(batches).isEmpty();
        assertThat(store.job("j1").orElseThrow().state()).isEqualTo(JobState.LEASED);
    }

    @Test
    @DisplayName("a copy of a k-of-n job goes step by step: its pay depends on the other copies")
    void copyNotTaken() throws Exception {
        leased("j0", "n1");
        store.submitRedundantJob("k", SPEC, 0, 0, dev.hearth.coordinator.store.HoldRequest.FREE,
                new Redundancy(3, 2));
        store.grantLease(JobRecord.copyId("k", 1), "n1");

        assertThat(commits.finish(result(JobRecord.copyId("k", 1), "n1", 1), null,
                store.job(JobRecord.copyId("k", 1)))).isEmpty();
        assertThat(batches).isEmpty();
        assertThat(store.verdict(JobRecord.copyId("k", 1))).isEmpty();
    }
}
