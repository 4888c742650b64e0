// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.coordinator.store.GpuInfo;
import dev.hearth.coordinator.store.JobRecord;
import dev.hearth.coordinator.store.JobState;
import dev.hearth.coordinator.store.Lease;
import dev.hearth.coordinator.store.LeaseGrant;
import dev.hearth.coordinator.store.NodeRecord;
import dev.hearth.coordinator.store.NodeState;
import dev.hearth.coordinator.store.Store;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The scheduler's in-memory queue and node load stay in step with the store")
class JobIndexTest {

    /** A stored spec as the API writes it: 1.5 CPUs, 512 MiB, no GPU. */
    static final String SPEC = "{\"spec\":{\"image\":\"hearth/busybox\",\"command\":[\"true\"],\"memory\":\"512m\","
            + "\"cpus\":\"1.5\",\"timeoutSeconds\":60},\"estimatedSeconds\":1,\"gpuCount\":0,\"minVramMib\":0}";

    @TempDir
    Path dir;
    private Store store;
    private JobIndex index;

    @BeforeEach
    void open() {
        store = Store.sqlite(dir.resolve("hearth.db"), InstantSource.system());
        index = watched(store);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private static JobIndex watched(Store store) {
        JobIndex index = new JobIndex(store);
        store.watchJobs(index::changed);
        index.rebuild();
        return index;
    }

    private void node(String id) {
        Instant now = Instant.now();
        store.upsertNode(new NodeRecord(id, "key-" + id, id + ".example", "linux", "amd64", 8, 16L << 30,
                List.of("docker"), List.of(new GpuInfo(0, "NVIDIA L4", 23_034, "GPU-" + id)), "0.1.0", "1.0",
                NodeState.ONLINE, now, now));
    }

    private void submit(String id) {
        store.submitJob(id, SPEC, 0, 0);
    }

    /** Grants as a pass does: one batch, then told to the index. */
    private List<Lease> grant(List<LeaseGrant> grants) {
        List<Lease> leases = store.grantLeases(grants);
        leases.forEach(index::granted);
        return leases;
    }

    /** What the index should hold, computed from the store alone: queued ids and slots, CPUs, memory per node. */
    private void assertInStep(JobIndex index) {
        assertThat(index.queuedIds()).as("queued jobs")
                .isEqualTo(store.queuedJobs().stream().map(JobRecord::id).collect(Collectors.toSet()));
        List<JobRecord> live = new ArrayList<>(store.jobs(Optional.of(JobState.LEASED)));
        live.addAll(store.jobs(Optional.of(JobState.RUNNING)));
        Map<String, Integer> slots = new HashMap<>();
        live.forEach(j -> slots.merge(j.nodeId(), 1, Integer::sum));
        for (Map.Entry<String, Integer> e : slots.entrySet()) {
            JobIndex.Load load = index.load(e.getKey());
            assertThat(load.slots()).as("slots of " + e.getKey()).isEqualTo(e.getValue());
            assertThat(load.nanoCpus()).as("CPUs of " + e.getKey()).isEqualTo(e.getValue() * 1_500_000_000L);
            assertThat(load.memoryBytes()).as("memory of " + e.getKey()).isEqualTo(e.getValue() * (512L << 20));
        }
        assertThat(index.sizes()[1]).as("live leases").isEqualTo(live.size());
        Map<String, List<Integer>> gpus = store.gpusInUse();
        for (String n : slots.keySet()) {
            assertThat(index.load(n).gpus()).as("GPUs of " + n)
                    .containsExactlyInAnyOrderElementsOf(gpus.getOrDefault(n, List.of()));
        }
    }

    @Test
    @DisplayName("after a restart the index is rebuilt from the store: the queue, and each node's load and GPUs")
    void restart() {
        node("n1");
        node("n2");
        for (int i = 0; i < 5; i++) {
            submit("j" + i);
        }
        index.sync();
        grant(List.of(new LeaseGrant("j0", "n1", List.of(0), null), new LeaseGrant("j1", "n1", List.of(), null),
                new LeaseGrant("j2", "n2", List.of(), null)));
        store.markRunning("j1", 1);

        store.close();
        store = Store.sqlite(dir.resolve("hearth.db"), InstantSource.system());
        JobIndex fresh = watched(store);

        assertThat(fresh.queuedIds()).containsExactlyInAnyOrder("j3", "j4");
        assertThat(fresh.load("n1").slots()).isEqualTo(2);
        assertThat(fresh.load("n1").gpus()).containsExactly(0);
        assertThat(fresh.load("n2").slots()).isEqualTo(1);
        assertThat(fresh.queuedJob("j3").orElseThrow().needs().nanoCpus()).isEqualTo(1_500_000_000L);
        index = fresh;
        assertInStep(fresh);
    }

    @Test
    @DisplayName("submits, cancels, results, revocations and grants by others reach the index at the next sync")
    void inStep() {
        node("n1");
        submit("a");
        submit("b");
        submit("c");
        assertThat(index.queuedIds()).as("nothing is read before a sync").isEmpty();
        index.sync();
        assertThat(index.queuedIds()).containsExactlyInAnyOrder("a", "b", "c");

        grant(List.of(new LeaseGrant("a", "n1", List.of(0), null)));
        store.grantLease("b", "n1", List.of(), null); // a grant made elsewhere, reported by the watch
        store.cancelJob("c");
        index.sync();
        assertThat(index.queuedIds()).isEmpty();
        assertThat(index.load("n1").slots()).isEqualTo(2);
        assertThat(index.load("n1").gpus()).containsExactly(0);
        assertInStep(index);

        store.acceptResult("a", "n1", 1, "completed", 0, "{}");
        index.sync();
        assertThat(index.load("n1").slots()).isEqualTo(1);
        assertThat(index.load("n1").gpus()).isEmpty();

        store.revokeLeasesOf("n1", "lost");
        index.sync();
        assertThat(index.load("n1").slots()).isZero();
        assertThat(index.queuedIds()).as("b had no retries: it failed").isEmpty();
        assertInStep(index);
    }

    @Test
    @DisplayName("a job whose stored spec cannot be read stays out of placement instead of failing every pass")
    void unreadableSpec() {
        store.submitJob("bad", "{}", 0, 0);
        submit("good");
        index.sync();
        assertThat(index.queuedIds()).containsExactly("good");
    }

    @Test
    @DisplayName("under concurrent submits, cancels and results the index ends in step with the store")
    void concurrent() throws Exception {
        for (int n = 0; n < 4; n++) {
            node("n" + n);
        }
        AtomicBoolean submitting = new AtomicBoolean(true);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> writers = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                writers.add(pool.submit(() -> {
                    for (int i = 0; i < 60; i++) {
                        String id = "t" + thread + "-" + i;
                        submit(id);
                        if (i % 5 == 0) {
                            store.cancelJob(id);
                        }
                    }
                    return null;
                }));
            }
            Future<?> results = pool.submit(() -> {
                while (submitting.get()) {
                    for (JobRecord j : store.jobs(Optional.of(JobState.LEASED))) {
                        if (j.id().hashCode() % 2 == 0) {
                            store.acceptResult(j.id(), j.nodeId(), j.epoch(), "completed", 0, "{}");
                        } else {
                            store.cancelJob(j.id());
                        }
                    }
                    Thread.sleep(2);
                }
                return null;
            });
            // the scheduler's thread: sync, then grant a few queued jobs a pass, as placement would
            int pass = 0;
            while (writers.stream().anyMatch(f -> !f.isDone()) || pass < 5) {
                index.sync();
                List<LeaseGrant> grants = new ArrayList<>();
                for (JobIndex.Queued q : index.queued()) {
                    if (grants.size() == 3) {
                        break;
                    }
                    grants.add(new LeaseGrant(q.job().id(), "n" + (pass % 4), List.of(), null));
                }
                List<Lease> leases = grant(grants);
                if (leases.size() < grants.size()) {
                    grants.forEach(g -> index.changed(g.jobId())); // a cancel won the race: read them again
                }
                pass++;
            }
            for (Future<?> w : writers) {
                w.get();
            }
            submitting.set(false);
            results.get();
        }
        index.sync();
        assertInStep(index);
        assertThat(store.jobCounts().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(240);
        assertThat(Set.copyOf(index.queuedIds())).hasSizeLessThan(240);
    }
}
