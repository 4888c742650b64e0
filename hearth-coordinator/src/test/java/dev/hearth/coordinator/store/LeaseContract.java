// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Leases and their epochs, and what revoking a lost node's leases does within and past the retry limit. */
interface LeaseContract extends StoreFixture {

    @Test
    @DisplayName("a lease makes the job leased to the node, with its epoch and attempts one higher")
    default void grant() {
        registerNode("n1");
        submit("j1", 0);

        Lease lease = store().grantLease("j1", "n1");

        assertThat(lease.jobId()).isEqualTo("j1");
        assertThat(lease.nodeId()).isEqualTo("n1");
        assertThat(lease.epoch()).isEqualTo(1);
        JobRecord job = job("j1");
        assertThat(job.state()).isEqualTo(JobState.LEASED);
        assertThat(job.nodeId()).isEqualTo("n1");
        assertThat(job.epoch()).isEqualTo(1);
        assertThat(job.attempts()).isEqualTo(1);
    }

    @Test
    @DisplayName("leasing a job that is not queued is refused, naming its state and holder")
    default void grantNotQueued() {
        leasedJob("j1", "n1");
        registerNode("n2");

        assertThatThrownBy(() -> store().grantLease("j1", "n2")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("job j1").hasMessageContaining("LEASED").hasMessageContaining("node n1")
                .hasMessageContaining("epoch 1");
        assertThat(job("j1").epoch()).isEqualTo(1);
    }

    @Test
    @DisplayName("leasing an unknown job, or to an unregistered node, is refused by name")
    default void grantUnknown() {
        registerNode("n1");
        submit("j1", 0);

        assertThatThrownBy(() -> store().grantLease("ghost", "n1")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("job ghost").hasMessageContaining("no such job");
        assertThatThrownBy(() -> store().grantLease("j1", "n9")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("node n9").hasMessageContaining("not registered");
        assertThat(job("j1").state()).isEqualTo(JobState.QUEUED);
    }

    @Test
    @DisplayName("a running mark needs the live epoch")
    default void markRunning() {
        Lease lease = leasedJob("j1", "n1");

        assertThat(store().markRunning("j1", lease.epoch() + 1)).isFalse();
        assertThat(store().markRunning("j1", lease.epoch())).isTrue();
        assertThat(job("j1").state()).isEqualTo(JobState.RUNNING);
    }

    @Test
    @DisplayName("revoking a node's leases puts its jobs back in the queue with the reason, within the retry limit")
    default void revokeRequeues() {
        registerNode("n1");
        registerNode("n2");
        submit("a", 1);
        submit("b", 1);
        submit("other", 1);
        store().grantLease("a", "n1");
        store().grantLease("b", "n1");
        store().markRunning("b", 1);
        store().grantLease("other", "n2");

        assertThat(store().revokeLeasesOf("n1", "node n1 lost")).containsExactlyInAnyOrder("a", "b");

        for (String id : new String[] {"a", "b"}) {
            JobRecord job = job(id);
            assertThat(job.state()).isEqualTo(JobState.QUEUED);
            assertThat(job.nodeId()).isNull();
            assertThat(job.reason()).isEqualTo("node n1 lost");
            assertThat(job.epoch()).as("the epoch grows only at the next grant").isEqualTo(1);
        }
        assertThat(job("other").state()).isEqualTo(JobState.LEASED);
        assertThat(store().revokeLeasesOf("n1", "again")).isEmpty();
    }

    @Test
    @DisplayName("a job is attempted 1 + maxRetries times; revoking the last attempt fails it with the reason")
    default void revokePastLimit() {
        registerNode("n1");
        submit("once", 0);
        submit("twice", 1);

        store().grantLease("once", "n1");
        store().grantLease("twice", "n1");
        store().revokeLeasesOf("n1", "node n1 lost");
        assertThat(job("once").state()).isEqualTo(JobState.FAILED);
        assertThat(job("once").reason()).contains("node n1 lost").contains("1 of 1");
        assertThat(job("twice").state()).isEqualTo(JobState.QUEUED);

        Lease second = store().grantLease("twice", "n1");
        assertThat(second.epoch()).isEqualTo(2);
        assertThat(store().revokeLeasesOf("n1", "node n1 lost again")).containsExactly("twice");
        assertThat(job("twice").state()).isEqualTo(JobState.FAILED);
        assertThat(job("twice").attempts()).isEqualTo(2);
        assertThat(job("twice").reason()).contains("node n1 lost again");
    }

    @Test
    @DisplayName("leases a node does not claim on registering are taken back: an undelivered offer uncounted, a lost "
            + "run counted; claimed ones and those granted later stay")
    default void reclaimUnclaimed() {
        registerNode("n1");
        registerNode("n2");
        for (String id : new String[] {"claimed", "offered", "started", "stale", "later", "last", "other"}) {
            submit(id, id.equals("last") ? 0 : 1);
        }
        for (String id : new String[] {"claimed", "offered", "started", "stale", "last"}) {
            store().grantLease(id, "n1");
        }
        store().markRunning("started", 1);
        store().markRunning("last", 1);
        store().grantLease("other", "n2");
        Instant registered = clock().instant();
        clock().advance(Duration.ofSeconds(1));
        store().grantLease("later", "n1"); // offered on the new connection, after the node registered

        List<String> taken = store().reclaimUnclaimed("n1", Map.of("claimed", 1L, "stale", 7L), registered);

        assertThat(taken).containsExactlyInAnyOrder("offered", "started", "stale", "last");
        JobRecord offered = job("offered");
        assertThat(offered.state()).isEqualTo(JobState.QUEUED);
        assertThat(offered.attempts()).as("an offer that never arrived is no attempt").isZero();
        assertThat(offered.nodeId()).isNull();
        assertThat(offered.reason()).contains("never reached node n1");
        JobRecord started = job("started");
        assertThat(started.state()).isEqualTo(JobState.QUEUED);
        assertThat(started.attempts()).isEqualTo(1);
        assertThat(started.reason()).contains("registered again without job started");
        assertThat(job("stale").state()).as("claimed under another epoch").isEqualTo(JobState.QUEUED);
        assertThat(job("last").state()).isEqualTo(JobState.FAILED);
        assertThat(job("last").reason()).contains("no attempts left (1 of 1 used)");
        assertThat(job("claimed").state()).isEqualTo(JobState.LEASED);
        assertThat(job("later").state()).isEqualTo(JobState.LEASED);
        assertThat(job("other").state()).isEqualTo(JobState.LEASED);
        Lease next = store().grantLease("offered", "n2");
        assertThat(next.epoch()).as("the undelivered offer's epoch is stale").isEqualTo(2);
        assertThat(job("offered").attempts()).isEqualTo(1);
        assertThat(store().reclaimUnclaimed("n1", Map.of("claimed", 1L), registered)).isEmpty();
    }

    @Test
    @DisplayName("eight nodes leasing the same job at once: exactly one gets it, the others are told it is LEASED")
    default void concurrentGrants() throws Exception {
        submit("j1", 0);
        int threads = 8;
        for (int i = 0; i < threads; i++) {
            registerNode("n" + i);
        }

        List<Future<Lease>> grants = race(threads, i -> () -> store().grantLease("j1", "n" + i));

        List<Lease> won = new ArrayList<>();
        List<Throwable> lost = new ArrayList<>();
        for (Future<Lease> f : grants) {
            try {
                won.add(f.get());
            } catch (ExecutionException e) {
                lost.add(e.getCause());
            }
        }
        assertThat(won).singleElement().satisfies(lease -> {
            assertThat(lease.epoch()).isEqualTo(1);
            assertThat(job("j1").nodeId()).isEqualTo(lease.nodeId());
        });
        assertThat(lost).hasSize(threads - 1).allSatisfy(e -> assertThat(e)
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("it is LEASED"));
        assertThat(job("j1").attempts()).isEqualTo(1);
    }

    @Test
    @DisplayName("a lease keeps its GPUs: in use while the job is leased or running, free once it ends or moves")
    default void gpusInUse() {
        registerNode("n1");
        submit("a", 0);
        submit("b", 1);
        assertThat(store().grantLease("a", "n1", List.of(0, 1)).gpuIndexes()).containsExactly(0, 1);
        store().grantLease("b", "n1", List.of(2));
        assertThat(store().gpusInUse().get("n1")).containsExactlyInAnyOrder(0, 1, 2);
        store().acceptResult("a", "n1", 1, "completed", 0, "{}");
        assertThat(store().gpusInUse().get("n1")).containsExactly(2);
        store().revokeLeasesOf("n1", "lost");
        assertThat(store().gpusInUse()).isEmpty();
    }

    @Test
    @DisplayName("a lease keeps its deadline; only live leases past it are expired, once, with the attempt counted")
    default void deadlineExpires() {
        registerNode("n1");
        submit("a", 1);
        submit("b", 0);
        submit("late", 0);
        Instant now = clock().instant();
        Lease a = store().grantLease("a", "n1", List.of(), now.plusSeconds(10));
        store().grantLease("b", "n1", List.of(), now.plusSeconds(10));
        store().grantLease("late", "n1", List.of(), now.plusSeconds(60));
        assertThat(store().lease("a", a.epoch()).orElseThrow().deadline()).isEqualTo(a.deadline());
        assertThat(store().expiredLeases(clock().instant())).isEmpty();

        clock().advance(Duration.ofSeconds(10));

        assertThat(store().expiredLeases(clock().instant())).extracting(Lease::jobId).containsExactly("a", "b");
        assertThat(store().expireLease("a", a.epoch(), "expired at its deadline")).isTrue();
        assertThat(store().expireLease("a", a.epoch(), "again")).as("no longer live").isFalse();
        assertThat(store().expireLease("b", 1, "expired at its deadline")).isTrue();
        assertThat(job("a").state()).isEqualTo(JobState.QUEUED);
        assertThat(job("a").attempts()).isEqualTo(1);
        assertThat(job("b").state()).isEqualTo(JobState.FAILED);
        assertThat(job("b").reason()).contains("expired at its deadline").contains("no attempts left");
        assertThat(store().expiredLeases(clock().instant())).isEmpty();
        assertThat(store().leaseExpiries("n1")).isEqualTo(2);
        assertThat(store().ledger().standings().get("n1").lost()).as("expiries count as lost leases").isEqualTo(2);
        assertThat(store().markRunning("a", a.epoch())).as("the expired epoch is stale").isFalse();
    }

    @Test
    @DisplayName("a cordoned node is listed with its reason; uncordoning clears it and the expiries counted so far")
    default void cordon() {
        registerNode("n1");
        registerNode("n2");
        submit("a", 0);
        Lease a = store().grantLease("a", "n1", List.of(), clock().instant());
        store().expireLease("a", a.epoch(), "expired");

        assertThat(store().cordonNode("n1", "1 lease expired")).isTrue();
        assertThat(store().cordonNode("ghost", "x")).isFalse();

        assertThat(store().cordoned()).containsExactly(Map.entry("n1", "1 lease expired"));
        clock().advance(Duration.ofSeconds(1));
        assertThat(store().uncordonNode("n1")).isTrue();
        assertThat(store().uncordonNode("ghost")).isFalse();
        assertThat(store().cordoned()).isEmpty();
        assertThat(store().leaseExpiries("n1")).isZero();
    }

    @Test
    @DisplayName("a node's limits set by an admin are kept, listed, and cleared with null")
    default void nodeLimits() {
        registerNode("n1");
        NodeLimits limits = new NodeLimits(2, 1_500_000_000L, 8L << 30, Integer.MAX_VALUE);

        assertThat(store().setNodeLimits("n1", limits)).isTrue();
        assertThat(store().setNodeLimits("ghost", limits)).isFalse();

        assertThat(store().nodeLimits()).containsExactly(Map.entry("n1", limits));
        assertThat(store().setNodeLimits("n1", null)).isTrue();
        assertThat(store().nodeLimits()).isEmpty();
    }
}
