// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The node registry: inventory kept whole, heartbeats, states, and finding the silent ones. */
interface NodeContract extends StoreFixture {

    @Test
    @DisplayName("a registered node reads back as it was written, GPUs and runtimes included, to the millisecond")
    default void registerAndRead() {
        NodeRecord node = registerNode("n1");

        NodeRecord read = store().node("n1").orElseThrow();

        assertThat(read.gpus()).containsExactly(new GpuInfo(0, "NVIDIA L4", 23_034, "GPU-n1"));
        assertThat(read.runtimes()).containsExactly("docker");
        assertThat(read.registeredAt()).isEqualTo(clock().instant().truncatedTo(ChronoUnit.MILLIS));
        assertThat(read).usingRecursiveComparison().ignoringFields("registeredAt", "lastHeartbeat").isEqualTo(node);
        assertThat(store().node("nope")).isEmpty();
    }

    @Test
    @DisplayName("registering again replaces the inventory and keeps the first registration time")
    default void upsertReplaces() {
        NodeRecord first = registerNode("n1");
        Instant firstSeen = store().node("n1").orElseThrow().registeredAt();
        clock().advance(Duration.ofMinutes(5));
        Instant now = clock().instant();

        store().upsertNode(new NodeRecord("n1", first.publicKey(), "renamed", "linux", "arm64", 64, 1L << 40,
                List.of("docker", "firecracker"), List.of(), "0.2.0", "1.1", NodeState.ONLINE, now, now));

        NodeRecord read = store().node("n1").orElseThrow();
        assertThat(read.hostname()).isEqualTo("renamed");
        assertThat(read.cpus()).isEqualTo(64);
        assertThat(read.memoryBytes()).isEqualTo(1L << 40);
        assertThat(read.gpus()).isEmpty();
        assertThat(read.runtimes()).containsExactly("docker", "firecracker");
        assertThat(read.registeredAt()).isEqualTo(firstSeen);
        assertThat(store().nodes()).hasSize(1);
    }

    @Test
    @DisplayName("a heartbeat sets the time and state; one for an unknown node changes nothing and says so")
    default void heartbeat() {
        registerNode("n1");
        Instant at = clock().instant().plusSeconds(10);

        assertThat(store().heartbeat("n1", at, NodeState.DRAINING)).isTrue();
        assertThat(store().heartbeat("ghost", at, NodeState.ONLINE)).isFalse();

        NodeRecord read = store().node("n1").orElseThrow();
        assertThat(read.lastHeartbeat()).isEqualTo(at.truncatedTo(ChronoUnit.MILLIS));
        assertThat(read.state()).isEqualTo(NodeState.DRAINING);
    }

    @Test
    @DisplayName("a node's state can be set; an unknown node's cannot")
    default void setState() {
        registerNode("n1");

        assertThat(store().setNodeState("n1", NodeState.LOST)).isTrue();
        assertThat(store().setNodeState("ghost", NodeState.LOST)).isFalse();
        assertThat(store().node("n1").orElseThrow().state()).isEqualTo(NodeState.LOST);
    }

    @Test
    @DisplayName("the silent nodes are the online and draining ones whose last heartbeat is before the cutoff")
    default void silentNodes() {
        registerNode("online-old");
        registerNode("draining-old");
        registerNode("lost-old");
        store().setNodeState("draining-old", NodeState.DRAINING);
        store().setNodeState("lost-old", NodeState.LOST);
        clock().advance(Duration.ofSeconds(30));
        registerNode("online-fresh");

        List<NodeRecord> silent = store().nodesSilentSince(clock().instant().minusSeconds(10));

        assertThat(silent).extracting(NodeRecord::id).containsExactlyInAnyOrder("online-old", "draining-old");
        assertThat(store().nodes()).extracting(NodeRecord::id)
                .containsExactly("draining-old", "lost-old", "online-old", "online-fresh");
    }
}
