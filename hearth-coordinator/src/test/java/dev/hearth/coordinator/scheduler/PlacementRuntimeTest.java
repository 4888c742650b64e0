// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Placement sends a job only to a node offering its sandbox runtime")
class PlacementRuntimeTest {

    private static final long CPU = 1_000_000_000L;
    private static final long GIB = 1L << 30;
    private static final Instant T0 = Instant.parse("2026-12-07T05:00:00Z");

    private static NodeView node(String id, Set<String> runtimes) {
        return new NodeView(id, true, 4, 4 * CPU, 8 * GIB, List.of(), 0, 0, 0, List.of(), 0, runtimes);
    }

    private static JobNeeds job(String id, int age, String runtime) {
        return new JobNeeds(id, 0, T0.plusSeconds(age), CPU, GIB, 0, 0, null, Set.of(), runtime);
    }

    @Test
    @DisplayName("a qemu job skips a roomier Docker-only node for the node that offers qemu")
    void qemuJobGoesToAQemuNode() {
        // the Docker-only node is emptier and more preferred: without the runtime filter it would win
        NodeView dockerOnly = new NodeView("docker-only", true, 64, 64 * CPU, 256 * GIB, List.of(), 0, 0, 0,
                List.of(), 1.0, Set.of("docker"));
        NodeView both = new NodeView("both", true, 4, 4 * CPU, 8 * GIB, List.of(), 3, 3 * CPU, 3 * GIB, List.of(), 0,
                Set.of("docker", "qemu"));
        List<Placement.Decision> d = Placement.place(List.of(job("vm", 0, "qemu"), job("container", 1, "docker")),
                List.of(dockerOnly, both));
        assertThat(d.get(0).nodeId()).contains("both");
        assertThat(d.get(1).nodeId()).contains("docker-only");
    }

    @Test
    @DisplayName("a job whose runtime no connected node offers waits, and its reason names the runtime and what is offered")
    void waitsWithAReason() {
        List<Placement.Decision> d = Placement.place(List.of(job("fc", 0, "firecracker"), job("c", 1, "docker")),
                List.of(node("n1", Set.of("docker")), node("n2", Set.of("docker", "qemu"))));
        assertThat(d.get(0).nodeId()).isEmpty();
        assertThat(d.get(0).reason()).contains("no connected node offers the firecracker runtime")
                .contains("docker, qemu").contains("--runtimes");
        assertThat(d.get(1).nodeId()).isPresent();
    }

    @Test
    @DisplayName("a full qemu node makes qemu jobs wait for capacity without holding back Docker jobs behind them")
    void fullQemuNodeDoesNotBlockDocker() {
        NodeView busyVm = new NodeView("vm", true, 1, 4 * CPU, 8 * GIB, List.of(), 1, CPU, GIB, List.of(), 0,
                Set.of("qemu"));
        List<Placement.Decision> d = Placement.place(List.of(job("q1", 0, "qemu"), job("q2", 1, "qemu"),
                job("c", 2, "docker")), List.of(busyVm, node("box", Set.of("docker"))));
        assertThat(d.get(0).nodeId()).isEmpty();
        assertThat(d.get(0).reason()).startsWith("waiting for capacity: 1 of 2 nodes");
        assertThat(d.get(1).nodeId()).isEmpty();
        assertThat(d.get(2).nodeId()).contains("box");
    }

    @Test
    @DisplayName("a node that named no runtimes (an older agent) counts as Docker only")
    void olderNodesAreDockerOnly() {
        NodeView older = new NodeView("old", true, 4, 4 * CPU, 8 * GIB, List.of(), 0, 0, 0, List.of(), 0);
        List<Placement.Decision> d = Placement.place(List.of(job("c", 0, "docker"), job("q", 1, "qemu")),
                List.of(older));
        assertThat(d.get(0).nodeId()).contains("old");
        assertThat(d.get(1).nodeId()).isEmpty();
    }

    @Test
    @DisplayName("among thousands of Docker-only nodes a long qemu queue fills the one qemu node and no other")
    void runtimeIndexKeepsPlacementCheap() {
        List<NodeView> nodes = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            nodes.add(node("d" + i, Set.of("docker")));
        }
        nodes.add(node("vm", Set.of("docker", "qemu")));
        List<JobNeeds> queue = new ArrayList<>();
        for (int j = 0; j < 20_000; j++) {
            queue.add(job("q" + j, j, "qemu"));
        }
        List<Placement.Decision> d = Placement.place(queue, nodes);
        assertThat(d.stream().filter(x -> x.nodeId().isPresent())).hasSize(4)
                .allMatch(x -> x.nodeId().get().equals("vm"));
    }
}
