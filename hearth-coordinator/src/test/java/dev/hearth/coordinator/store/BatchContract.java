// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** What the scheduler batches: a pass's leases in one transaction, heartbeats in one, and the job watch. */
interface BatchContract extends StoreFixture {

    @Test
    @DisplayName("a pass's leases are granted in one transaction, in order, each with its GPUs and deadline")
    default void grantLeasesAll() {
        registerNode("n1");
        registerNode("n2");
        submit("j1", 0);
        submit("j2", 0);
        Instant due = clock().instant().plusSeconds(60);

        List<Lease> leases = store().grantLeases(List.of(new LeaseGrant("j1", "n1", List.of(0), due),
                new LeaseGrant("j2", "n2", List.of(), null)));

        assertThat(leases).extracting(Lease::jobId).containsExactly("j1", "j2");
        assertThat(leases).extracting(Lease::epoch).containsExactly(1L, 1L);
        assertThat(job("j1").state()).isEqualTo(JobState.LEASED);
        assertThat(job("j1").nodeId()).isEqualTo("n1");
        assertThat(job("j2").nodeId()).isEqualTo("n2");
        assertThat(store().lease("j1", 1).orElseThrow().gpuIndexes()).containsExactly(0);
        assertThat(store().lease("j1", 1).orElseThrow().deadline()).isEqualTo(due.truncatedTo(ChronoUnit.MILLIS));
        assertThat(store().gpusInUse()).containsEntry("n1", List.of(0));
    }

    @Test
    @DisplayName("when one grant of a batch fails, none of the batch is granted: the earlier ones roll back too")
    default void grantLeasesNone() {
        registerNode("n1");
        submit("j1", 0);
        submit("j2", 0);
        submit("j3", 0);

        assertThatThrownBy(() -> store().grantLeases(List.of(new LeaseGrant("j1", "n1", List.of(0), null),
                new LeaseGrant("j2", "ghost", List.of(), null), new LeaseGrant("j3", "n1", List.of(), null))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("job j2")
                .hasMessageContaining("node ghost").hasMessageContaining("not registered");

        for (String id : List.of("j1", "j2", "j3")) {
            JobRecord j = job(id);
            assertThat(j.state()).as(id).isEqualTo(JobState.QUEUED);
            assertThat(j.epoch()).as(id).isZero();
            assertThat(j.attempts()).as(id).isZero();
            assertThat(store().lease(id, 1)).as(id).isEmpty();
        }
        assertThat(store().gpusInUse()).isEmpty();
    }

    @Test
    @DisplayName("a job of the batch no longer queued (cancelled meanwhile) is passed over; the others are granted")
    default void grantLeasesPassesOver() {
        registerNode("n1");
        submit("j1", 0);
        submit("j2", 0);
        store().cancelJob("j2");
        submit("j3", 0);

        List<Lease> leases = store().grantLeases(List.of(new LeaseGrant("j1", "n1", List.of(), null),
                new LeaseGrant("j2", "n1", List.of(), null), new LeaseGrant("j3", "n1", List.of(), null),
                new LeaseGrant("ghost", "n1", List.of(), null)));

        assertThat(leases).extracting(Lease::jobId).containsExactly("j1", "j3");
        assertThat(job("j2").state()).isEqualTo(JobState.CANCELLED);
        assertThat(job("j2").epoch()).isZero();
        assertThat(job("j3").state()).isEqualTo(JobState.LEASED);
    }

    @Test
    @DisplayName("a batch of heartbeats updates live nodes in one go and leaves a lost node lost")
    default void heartbeatsBatch() {
        registerNode("n1");
        registerNode("n2");
        store().setNodeState("n2", NodeState.LOST);
        clock().advance(Duration.ofSeconds(5));
        Instant at = clock().instant();

        int updated = store().heartbeats(List.of(new Liveness("n1", at, NodeState.DRAINING),
                new Liveness("n2", at, NodeState.ONLINE), new Liveness("ghost", at, NodeState.ONLINE)));

        assertThat(updated).isEqualTo(1);
        NodeRecord n1 = store().node("n1").orElseThrow();
        assertThat(n1.state()).isEqualTo(NodeState.DRAINING);
        assertThat(n1.lastHeartbeat()).isEqualTo(at.truncatedTo(ChronoUnit.MILLIS));
        assertThat(store().node("n2").orElseThrow().state()).as("a late heartbeat does not revive a lost node")
                .isEqualTo(NodeState.LOST);
        assertThat(store().heartbeats(List.of())).isZero();
    }

    @Test
    @DisplayName("the job watch hears of each change after its commit; a batch grant is left to its caller")
    default void watch() {
        ConcurrentLinkedQueue<String> heard = new ConcurrentLinkedQueue<>();
        store().watchJobs(id -> {
            // told after the commit: the change is already visible to a reader
            assertThat(store().job(id)).isPresent();
            heard.add(id);
        });
        registerNode("n1");
        submit("j1", 0);
        submit("j2", 0);
        store().grantLease("j1", "n1");
        store().grantLeases(List.of(new LeaseGrant("j2", "n1", List.of(), null)));
        store().revokeLeasesOf("n1", "lost");
        store().cancelJob("j1");

        assertThat(heard).containsExactly("j1", "j2", "j1", "j1", "j2", "j1");
    }

    @Test
    @DisplayName("jobs are read by id in one snapshot; unknown ids are left out")
    default void jobsById() {
        submit("j1", 0);
        submit("j2", 0);

        assertThat(store().jobs(Set.of("j1", "j2", "ghost"))).extracting(JobRecord::id)
                .containsExactlyInAnyOrder("j1", "j2");
        assertThat(store().jobs(List.of())).isEmpty();
        assertThat(store().jobs(Optional.empty())).hasSize(2);
    }
}
