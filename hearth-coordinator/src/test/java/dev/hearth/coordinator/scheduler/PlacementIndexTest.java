// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Placement by index chooses exactly what scoring every node for every job chose")
class PlacementIndexTest {

    private static final long CPU = 1_000_000_000L;
    private static final long GIB = 1L << 30;
    private static final Instant T0 = Instant.parse("2026-11-23T09:00:00Z");

    /**
     * The placement as it was before the index, kept here as the reference: for every job, score every node that
     * fits (least loaded counting preference, most preferred, most free memory, id) and take the best.
     */
    private static List<Placement.Decision> reference(List<JobNeeds> queue, List<NodeView> nodes) {
        List<JobNeeds> ordered = new ArrayList<>(queue);
        ordered.sort(Comparator.comparingInt(JobNeeds::priority).reversed()
                .thenComparing(JobNeeds::submittedAt).thenComparing(JobNeeds::jobId));
        Map<String, NodeView> working = new java.util.LinkedHashMap<>();
        nodes.forEach(n -> working.put(n.nodeId(), n));
        Map<String, Set<String>> copiesPlaced = new HashMap<>();
        List<Placement.Decision> out = new ArrayList<>();
        for (JobNeeds job : ordered) {
            Set<String> taken = job.copyOf() == null ? Set.of()
                    : copiesPlaced.computeIfAbsent(job.copyOf(), k -> new HashSet<>());
            NodeView best = null;
            for (NodeView n : working.values()) {
                if (n.fitsNow(job) && !job.avoid().contains(n.nodeId()) && !taken.contains(n.nodeId())
                        && (best == null || better(n, best))) {
                    best = n;
                }
            }
            if (best == null) {
                out.add(new Placement.Decision(job.jobId(), Optional.empty(), List.of(), null));
                continue;
            }
            List<Integer> gpus = best.freeGpus(job.minVramMib()).stream().limit(job.gpus())
                    .map(NodeView.Gpu::index).toList();
            working.put(best.nodeId(), best.plus(job, gpus));
            out.add(new Placement.Decision(job.jobId(), Optional.of(best.nodeId()), gpus, null));
            if (job.copyOf() != null) {
                taken.add(best.nodeId());
            }
        }
        return out;
    }

    private static boolean better(NodeView a, NodeView b) {
        int c = Double.compare(a.load() - Placement.PREFERENCE_WEIGHT * a.preference(),
                b.load() - Placement.PREFERENCE_WEIGHT * b.preference());
        if (c == 0) {
            c = Double.compare(b.preference(), a.preference());
        }
        if (c == 0) {
            c = Long.compare(b.memoryBytes() - b.usedMemoryBytes(), a.memoryBytes() - a.usedMemoryBytes());
        }
        if (c == 0) {
            c = a.nodeId().compareTo(b.nodeId());
        }
        return c < 0;
    }

    @Test
    @DisplayName("200 random queues on random nodes (GPUs, preferences, loads, draining, copies): the same decisions")
    void sameAsScoringEveryNode() {
        Random random = new Random(14);
        for (int round = 0; round < 200; round++) {
            List<NodeView> nodes = new ArrayList<>();
            for (int i = 0, n = 1 + random.nextInt(30); i < n; i++) {
                List<NodeView.Gpu> gpus = new ArrayList<>();
                for (int g = 0, k = random.nextInt(3) == 0 ? 1 + random.nextInt(4) : 0; g < k; g++) {
                    gpus.add(new NodeView.Gpu(g, 8_000L * (1 + random.nextInt(4))));
                }
                int slots = 1 + random.nextInt(6);
                nodes.add(new NodeView("n" + i, random.nextInt(8) != 0, slots, (1 + random.nextInt(16)) * CPU,
                        (1 + random.nextInt(32)) * GIB, gpus, random.nextInt(slots), 0, 0, List.of(),
                        random.nextInt(4) == 0 ? random.nextDouble() : 0.0));
            }
            List<JobNeeds> queue = new ArrayList<>();
            for (int j = 0, m = random.nextInt(80); j < m; j++) {
                int gpus = random.nextInt(4) == 0 ? 1 + random.nextInt(2) : 0;
                String parent = random.nextInt(5) == 0 ? "p" + random.nextInt(3) : null;
                Set<String> avoid = parent != null && random.nextBoolean() ? Set.of("n" + random.nextInt(5)) : Set.of();
                queue.add(new JobNeeds("j" + j, random.nextInt(3), T0.plusSeconds(random.nextInt(100)),
                        (1 + random.nextInt(4)) * CPU / 2, (1 + random.nextInt(8)) * GIB / 2, gpus,
                        gpus > 0 ? 8_000L * random.nextInt(3) : 0, parent, avoid));
            }
            List<Placement.Decision> byIndex = Placement.place(queue, nodes);
            List<Placement.Decision> byScore = reference(queue, nodes);
            assertThat(byIndex).hasSameSizeAs(byScore);
            for (int i = 0; i < byIndex.size(); i++) {
                assertThat(byIndex.get(i).jobId()).isEqualTo(byScore.get(i).jobId());
                assertThat(byIndex.get(i).nodeId()).as("round %d, job %s", round, byIndex.get(i).jobId())
                        .isEqualTo(byScore.get(i).nodeId());
                assertThat(byIndex.get(i).gpuIndexes()).isEqualTo(byScore.get(i).gpuIndexes());
            }
        }
    }

    @Test
    @DisplayName("a long queue waiting for capacity gets one reason per shape, the same as a lone job would")
    void waitingQueue() {
        List<NodeView> full = List.of(new NodeView("n1", true, 1, 4 * CPU, 8 * GIB, List.of(), 1, CPU, GIB,
                List.of(), 0));
        List<JobNeeds> queue = new ArrayList<>();
        for (int j = 0; j < 1000; j++) {
            queue.add(new JobNeeds("j" + j, 0, T0.plusSeconds(j), CPU, GIB, 0, 0));
        }
        List<Placement.Decision> d = Placement.place(queue, full);
        assertThat(d).allSatisfy(x -> assertThat(x.nodeId()).isEmpty());
        assertThat(d).extracting(Placement.Decision::reason).containsOnly(
                Placement.place(List.of(queue.getFirst()), full).getFirst().reason());
    }
}
