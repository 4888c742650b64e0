// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Placement fits jobs to nodes in priority then age order, spreading load")
class PlacementTest {

    private static final long CPU = 1_000_000_000L;
    private static final long GIB = 1L << 30;
    private static final Instant T0 = Instant.parse("2026-11-23T09:00:00Z");

    private static NodeView node(String id, int slots, long cpus, long memGib, List<NodeView.Gpu> gpus) {
        return new NodeView(id, true, slots, cpus * CPU, memGib * GIB, gpus, 0, 0, 0, List.of(), 0);
    }

    private static JobNeeds job(String id, int priority, int ageSeconds, long memGib) {
        return new JobNeeds(id, priority, T0.plusSeconds(ageSeconds), CPU, memGib * GIB, 0, 0);
    }

    @Test
    @DisplayName("jobs spread over equally sized nodes instead of piling on one")
    void spreads() {
        List<JobNeeds> queue = List.of(job("a", 0, 1, 1), job("b", 0, 2, 1), job("c", 0, 3, 1), job("d", 0, 4, 1));
        Map<String, Long> perNode = Placement.place(queue, List.of(node("n1", 4, 4, 8, List.of()),
                        node("n2", 4, 4, 8, List.of()))).stream()
                .collect(Collectors.groupingBy(d -> d.nodeId().orElseThrow(), Collectors.counting()));
        assertThat(perNode).containsEntry("n1", 2L).containsEntry("n2", 2L);
    }

    private static JobNeeds copy(String parent, int index, Set<String> avoid) {
        return new JobNeeds(parent + ".copy" + index, 0, T0.plusSeconds(index), CPU, GIB, 0, 0, parent, avoid);
    }

    @Test
    @DisplayName("copies of one k-of-n job go to distinct nodes, even when one node is much emptier")
    void copiesOnDistinctNodes() {
        List<Placement.Decision> d = Placement.place(List.of(copy("j", 1, Set.of()),
                copy("j", 2, Set.of()), copy("j", 3, Set.of())),
                List.of(node("big", 64, 64, 256, List.of()), node("n2", 2, 2, 8, List.of()),
                        node("n3", 2, 2, 8, List.of())));
        assertThat(d).extracting(x -> x.nodeId().orElseThrow()).containsExactlyInAnyOrder("big", "n2", "n3");
    }

    @Test
    @DisplayName("a copy avoids nodes that hold or held another copy; with none left it waits and says why")
    void copyWaitsForADistinctNode() {
        List<Placement.Decision> d = Placement.place(List.of(copy("j", 2, Set.of("n1")),
                copy("j", 3, Set.of("n1"))), List.of(node("n1", 4, 4, 8, List.of()),
                node("n2", 4, 4, 8, List.of())));
        assertThat(d.get(0).nodeId()).contains("n2");
        assertThat(d.get(1).nodeId()).isEmpty();
        assertThat(d.get(1).reason()).startsWith("redundancy: waiting for a node that holds no other copy of job j")
                .contains("2 node(s) hold or held one");
        // another job's copies are not held back by them
        assertThat(Placement.place(List.of(copy("other", 1, Set.of())), List.of(node("n1", 4, 4, 8,
                List.of()))).getFirst().nodeId()).contains("n1");
    }

    @Test
    @DisplayName("higher priority goes first, then older; a full node takes no more")
    void priorityThenAge() {
        List<JobNeeds> queue = List.of(job("old-low", 0, 1, 1), job("new-high", 5, 9, 1), job("new-low", 0, 5, 1));
        List<Placement.Decision> d = Placement.place(queue, List.of(node("n1", 2, 4, 8, List.of())));
        assertThat(d).extracting(Placement.Decision::jobId).containsExactly("new-high", "old-low", "new-low");
        assertThat(d.get(2).nodeId()).isEmpty();
        assertThat(d.get(2).reason()).startsWith("waiting for capacity: 1 of 1 nodes");
    }

    @Test
    @DisplayName("a job no node can ever fit says what it needs and what the largest node offers")
    void neverFits() {
        List<Placement.Decision> d = Placement.place(List.of(job("huge", 0, 1, 64)),
                List.of(node("small", 2, 2, 8, List.of()), node("big", 2, 2, 16, List.of())));
        assertThat(d.get(0).reason()).contains("no registered node can ever fit").contains("65536 MiB memory")
                .contains("largest node (big) offers").contains("16384 MiB");
    }

    @Test
    @DisplayName("GPU jobs get distinct GPUs with enough memory; never all GPUs")
    void gpus() {
        NodeView n = node("g", 4, 8, 32, List.of(new NodeView.Gpu(0, 16000), new NodeView.Gpu(1, 81559),
                new NodeView.Gpu(2, 81559)));
        JobNeeds big = new JobNeeds("big", 0, T0, CPU, GIB, 1, 40000);
        JobNeeds big2 = new JobNeeds("big2", 0, T0.plusSeconds(1), CPU, GIB, 1, 40000);
        JobNeeds big3 = new JobNeeds("big3", 0, T0.plusSeconds(2), CPU, GIB, 1, 40000);
        List<Placement.Decision> d = Placement.place(List.of(big, big2, big3), List.of(n));
        assertThat(d.get(0).gpuIndexes()).containsExactly(1);
        assertThat(d.get(1).gpuIndexes()).containsExactly(2);
        assertThat(d.get(2).nodeId()).isEmpty();
    }

    @Test
    @DisplayName("a draining node takes nothing; with no node at all the reason says so")
    void drainingAndEmpty() {
        NodeView draining = new NodeView("d", false, 4, 4 * CPU, 8 * GIB, List.of(), 0, 0, 0, List.of(), 0);
        assertThat(Placement.place(List.of(job("a", 0, 1, 1)), List.of(draining)).get(0).nodeId()).isEmpty();
        assertThat(Placement.place(List.of(job("a", 0, 1, 1)), List.of()).get(0).reason())
                .startsWith("no node is registered");
    }

    @Test
    @DisplayName("among equally loaded nodes the preferred one (reputation, stake) wins")
    void preference() {
        NodeView plain = node("plain", 4, 4, 8, List.of());
        NodeView staked = new NodeView("staked", true, 4, 4 * CPU, 8 * GIB, List.of(), 0, 0, 0, List.of(), 10);
        assertThat(Placement.place(List.of(job("a", 0, 1, 1)), List.of(plain, staked)).get(0).nodeId())
                .contains("staked");
    }

    private static NodeView preferred(String id, int slots, int used, double preference) {
        return new NodeView(id, true, slots, 8 * CPU, 16 * GIB, List.of(), used, used * CPU, used * GIB, List.of(),
                preference);
    }

    @Test
    @DisplayName("a better reputation or a stake takes more of the jobs, but load still spreads them")
    void reputationLeans() {
        List<JobNeeds> queue = new java.util.ArrayList<>();
        for (int i = 0; i < 8; i++) {
            queue.add(job("j" + i, 0, i, 1));
        }
        // reputation 0.9 plus a full-reference stake bonus of 0.5, against a new node's 0.5
        Map<String, Long> perNode = Placement.place(queue, List.of(preferred("trusted", 8, 0, 1.4),
                        preferred("new", 8, 0, 0.5))).stream()
                .collect(Collectors.groupingBy(d -> d.nodeId().orElseThrow(), Collectors.counting()));
        assertThat(perNode.get("trusted")).isGreaterThan(perNode.get("new"));
        assertThat(perNode.get("new")).isPositive();
    }

    @Test
    @DisplayName("a busier node with a better reputation still wins until the load gap outweighs the preference")
    void preferenceAgainstLoad() {
        JobNeeds one = job("a", 0, 1, 1);
        NodeView busyTrusted = preferred("busy-trusted", 4, 1, 1.5); // load 0.25 - 0.375
        NodeView idleNew = preferred("idle-new", 4, 0, 0.5);         // load 0    - 0.125
        assertThat(Placement.place(List.of(one), List.of(busyTrusted, idleNew)).get(0).nodeId()).contains("busy-trusted");
        NodeView fullerTrusted = preferred("fuller-trusted", 4, 2, 1.5); // 0.5 - 0.375 = 0.125 > -0.125
        assertThat(Placement.place(List.of(one), List.of(fullerTrusted, idleNew)).get(0).nodeId()).contains("idle-new");
    }

    @Test
    @DisplayName("with equal preference, ties are broken as before: load, then free memory, then the smaller id")
    void tiesAsBefore() {
        NodeView b = new NodeView("b", true, 4, 4 * CPU, 8 * GIB, List.of(), 0, 0, 0, List.of(), 0.7);
        NodeView a = new NodeView("a", true, 4, 4 * CPU, 8 * GIB, List.of(), 0, 0, 0, List.of(), 0.7);
        NodeView roomier = new NodeView("z", true, 4, 4 * CPU, 16 * GIB, List.of(), 0, 0, 0, List.of(), 0.7);
        assertThat(Placement.place(List.of(job("x", 0, 1, 1)), List.of(b, a)).get(0).nodeId()).contains("a");
        assertThat(Placement.place(List.of(job("x", 0, 1, 1)), List.of(b, a, roomier)).get(0).nodeId()).contains("z");
    }
}
