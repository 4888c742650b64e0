// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Results are accepted exactly once, and only from the node holding the live lease. */
interface ResultContract extends StoreFixture {

    @Test
    @DisplayName("a completed result from the lease holder is accepted, stored pending verification, and the job waits "
            + "verifying until its verdict completes it")
    default void acceptCompleted() {
        Lease lease = leasedJob("j1", "n1");

        ResultAcceptance outcome = store().acceptResult("j1", "n1", lease.epoch(), "completed", 0, "{\"logs\":\"hi\"}");

        assertThat(outcome).isInstanceOfSatisfying(ResultAcceptance.Accepted.class,
                a -> assertThat(store().result("j1")).contains(a.result()));
        ResultRecord stored = store().result("j1").orElseThrow();
        assertThat(stored.epoch()).isEqualTo(1);
        assertThat(stored.nodeId()).isEqualTo("n1");
        assertThat(stored.resultJson()).isEqualTo("{\"logs\":\"hi\"}");
        assertThat(job("j1").state()).isEqualTo(JobState.VERIFYING);
        assertThat(store().verdict("j1").orElseThrow().outcome()).isEqualTo(VerdictOutcome.PENDING);
        assertThat(store().pendingVerifications(clock().instant())).containsExactly(stored);

        assertThat(store().decideVerdict(new VerdictRecord("j1", 1, "n1", VerdictOutcome.PASSED, null, null, "[]",
                null, 0, null), JobState.COMPLETED, null)).isTrue();
        assertThat(job("j1").state()).isEqualTo(JobState.COMPLETED);
        assertThat(job("j1").reason()).isNull();
    }

    @Test
    @DisplayName("a result with another status is verified too, and its verdict fails the job with the reason given")
    default void acceptFailed() {
        Lease lease = leasedJob("j1", "n1");
        store().markRunning("j1", lease.epoch());

        assertThat(store().acceptResult("j1", "n1", 1, "timeout", 137, "{}"))
                .isInstanceOf(ResultAcceptance.Accepted.class);
        assertThat(job("j1").state()).isEqualTo(JobState.VERIFYING);
        store().decideVerdict(new VerdictRecord("j1", 1, "n1", VerdictOutcome.FAILED, "completion",
                "status timeout", "[]", null, 0, null), JobState.FAILED, "the job ended with status timeout, exit code 137");

        assertThat(job("j1").state()).isEqualTo(JobState.FAILED);
        assertThat(job("j1").reason()).contains("timeout").contains("137");
        assertThat(store().result("j1").orElseThrow().exitCode()).isEqualTo(137);
    }

    @Test
    @DisplayName("a result under a revoked lease is refused as stale with the current epoch, before and after the next grant")
    default void staleEpoch() {
        leasedJob("j1", "n1");
        submit("j2", 1);
        store().grantLease("j2", "n1");
        registerNode("n2");
        store().revokeLeasesOf("n1", "node n1 lost");

        assertThat(store().acceptResult("j2", "n1", 1, "completed", 0, "{}"))
                .isEqualTo(new ResultAcceptance.StaleEpoch(1));
        store().grantLease("j2", "n2");
        assertThat(store().acceptResult("j2", "n1", 1, "completed", 0, "{}"))
                .isEqualTo(new ResultAcceptance.StaleEpoch(2));
        assertThat(store().result("j2")).isEmpty();
        assertThat(job("j2").state()).isEqualTo(JobState.LEASED);
    }

    @Test
    @DisplayName("a result from a node that does not hold the live lease is refused, naming the holder")
    default void wrongNode() {
        Lease lease = leasedJob("j1", "n1");
        registerNode("n2");

        assertThat(store().acceptResult("j1", "n2", lease.epoch(), "completed", 0, "{}"))
                .isEqualTo(new ResultAcceptance.WrongNode("n1"));
        assertThat(store().result("j1")).isEmpty();
    }

    @Test
    @DisplayName("a result under a taken lease is refused as stale even after the job finished elsewhere")
    default void staleAfterFinal() {
        registerNode("n1");
        submit("j1", 1);
        Lease first = store().grantLease("j1", "n1");
        store().revokeLeasesOf("n1", "lost");
        registerNode("n2");
        Lease second = store().grantLease("j1", "n2");
        store().acceptResult("j1", "n2", second.epoch(), "completed", 0, "{\"n\":2}");

        assertThat(store().acceptResult("j1", "n1", first.epoch(), "completed", 0, "{\"n\":1}"))
                .isEqualTo(new ResultAcceptance.StaleEpoch(second.epoch()));
        assertThat(store().result("j1").orElseThrow().resultJson()).isEqualTo("{\"n\":2}");
    }

    @Test
    @DisplayName("a second result for a job whose result is in is refused as already final; one for an unknown job "
            + "as unknown")
    default void secondResult() {
        Lease lease = leasedJob("j1", "n1");
        store().acceptResult("j1", "n1", lease.epoch(), "completed", 0, "{\"n\":1}");

        assertThat(store().acceptResult("j1", "n1", lease.epoch(), "completed", 0, "{\"n\":2}"))
                .isEqualTo(new ResultAcceptance.AlreadyFinal(JobState.VERIFYING));
        assertThat(store().result("j1").orElseThrow().resultJson()).isEqualTo("{\"n\":1}");
        assertThat(store().acceptResult("ghost", "n1", 1, "completed", 0, "{}"))
                .isEqualTo(new ResultAcceptance.UnknownJob());
    }

    @Test
    @DisplayName("eight threads sending the same result at once: exactly one is accepted")
    default void concurrentAcceptance() throws Exception {
        Lease lease = leasedJob("j1", "n1");
        int threads = 8;

        List<Future<ResultAcceptance>> outcomes = race(threads, i -> () -> store().acceptResult(
                "j1", "n1", lease.epoch(), "completed", 0, "{\"sender\":" + i + "}"));

        List<ResultAcceptance> results = new ArrayList<>();
        for (Future<ResultAcceptance> f : outcomes) {
            results.add(f.get());
        }
        assertThat(results).filteredOn(ResultAcceptance.Accepted.class::isInstance).hasSize(1);
        assertThat(results).filteredOn(r -> !(r instanceof ResultAcceptance.Accepted))
                .hasSize(threads - 1).containsOnly(new ResultAcceptance.AlreadyFinal(JobState.VERIFYING));
        var accepted = (ResultAcceptance.Accepted) results.stream()
                .filter(ResultAcceptance.Accepted.class::isInstance).findFirst().orElseThrow();
        assertThat(store().result("j1")).contains(accepted.result());
    }
}
