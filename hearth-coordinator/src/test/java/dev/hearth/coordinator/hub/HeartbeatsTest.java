// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.coordinator.store.Liveness;
import dev.hearth.coordinator.store.NodeRecord;
import dev.hearth.coordinator.store.NodeState;
import dev.hearth.coordinator.store.Store;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Heartbeats wait in one entry per node and reach the store in one batch")
class HeartbeatsTest {

    @TempDir
    Path dir;

    private static void node(Store store, String id, Instant at) {
        store.upsertNode(new NodeRecord(id, "key-" + id, id + ".example", "linux", "amd64", 8, 16L << 30,
                List.of("docker"), List.of(), "0.1.0", "1.0", NodeState.ONLINE, at, at));
    }

    @Test
    @DisplayName("a recorded heartbeat is pending until a flush writes it; a newer one replaces the older")
    void batches() {
        Instant t0 = Instant.parse("2026-12-07T03:00:00.000Z");
        try (Store store = Store.sqlite(dir.resolve("hearth.db"), InstantSource.system())) {
            node(store, "n1", t0);
            node(store, "n2", t0);
            Heartbeats beats = new Heartbeats(store);
            beats.record(new Liveness("n1", t0.plusSeconds(5), NodeState.ONLINE));
            beats.record(new Liveness("n1", t0.plusSeconds(10), NodeState.DRAINING));
            beats.record(new Liveness("n2", t0.plusSeconds(10), NodeState.ONLINE));

            assertThat(store.node("n1").orElseThrow().lastHeartbeat()).as("not written before a flush").isEqualTo(t0);
            assertThat(beats.pendingSince("n1")).contains(t0.plusSeconds(10));

            assertThat(beats.flush()).isEqualTo(2);
            assertThat(store.node("n1").orElseThrow().lastHeartbeat()).isEqualTo(t0.plusSeconds(10));
            assertThat(store.node("n1").orElseThrow().state()).isEqualTo(NodeState.DRAINING);
            assertThat(store.node("n2").orElseThrow().lastHeartbeat()).isEqualTo(t0.plusSeconds(10));
            assertThat(beats.pendingSince("n1")).isEmpty();
            assertThat(beats.flush()).isZero();
        }
    }

    @Test
    @DisplayName("when the write fails the heartbeats stay pending for the next flush, and the failure is thrown")
    void failedFlushKeepsThem() {
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        Store store = Store.sqlite(dir.resolve("hearth.db"), InstantSource.system());
        node(store, "n1", t0);
        Heartbeats beats = new Heartbeats(store);
        beats.record(new Liveness("n1", t0.plusSeconds(1), NodeState.ONLINE));
        store.close();

        assertThatThrownBy(beats::flush).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThat(beats.pendingSince("n1")).contains(t0.plusSeconds(1));

        try (Store reopened = Store.sqlite(dir.resolve("hearth.db"), InstantSource.system())) {
            Heartbeats again = new Heartbeats(reopened);
            again.record(new Liveness("n1", t0.plusSeconds(1), NodeState.ONLINE));
            assertThat(again.flush()).isEqualTo(1);
            assertThat(reopened.node("n1").orElseThrow().lastHeartbeat()).isEqualTo(t0.plusSeconds(1));
        }
    }
}
