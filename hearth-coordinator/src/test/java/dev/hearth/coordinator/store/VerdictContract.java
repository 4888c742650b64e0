// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Future;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The oracle's durable queue: accepted results wait PENDING, are decided exactly once, and survive restarts. */
interface VerdictContract extends StoreFixture {

    private VerdictRecord passed(String jobId, long epoch) {
        return new VerdictRecord(jobId, epoch, "ignored", VerdictOutcome.PASSED, null, null,
                "[{\"name\":\"lease\",\"outcome\":\"holds\"}]", null, 0, null);
    }

    @Test
    @DisplayName("a failed verdict is stored with its check, detail and every check, and fails the job with the reason")
    default void failedVerdict() {
        Lease lease = leasedJob("j1", "n1");
        store().acceptResult("j1", "n1", lease.epoch(), "completed", 0, "{}", "digest-1");

        assertThat(store().decideVerdict(new VerdictRecord("j1", lease.epoch(), "n1", VerdictOutcome.FAILED,
                "signature", "does not verify", "[{\"name\":\"signature\"}]", null, 0, null), JobState.FAILED,
                "result failed verification")).isTrue();

        VerdictRecord v = store().verdict("j1").orElseThrow();
        assertThat(v.outcome()).isEqualTo(VerdictOutcome.FAILED);
        assertThat(v.failedCheck()).isEqualTo("signature");
        assertThat(v.detail()).isEqualTo("does not verify");
        assertThat(v.checksJson()).isEqualTo("[{\"name\":\"signature\"}]");
        assertThat(v.decidedAt()).isEqualTo(clock().instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
        assertThat(job("j1").state()).isEqualTo(JobState.FAILED);
        assertThat(job("j1").reason()).isEqualTo("result failed verification");
        assertThat(store().pendingVerifications(clock().instant())).isEmpty();
    }

    @Test
    @DisplayName("eight verifiers deciding the same result at once: exactly one decides, the job ends once")
    default void decidedOnce() throws Exception {
        Lease lease = leasedJob("j1", "n1");
        store().acceptResult("j1", "n1", lease.epoch(), "completed", 0, "{}");

        List<Future<Boolean>> outcomes = race(8, i -> () -> store().decideVerdict(passed("j1", lease.epoch()),
                JobState.COMPLETED, null));

        int decided = 0;
        for (Future<Boolean> f : outcomes) {
            decided += f.get() ? 1 : 0;
        }
        assertThat(decided).isEqualTo(1);
        assertThat(store().unannouncedVerdicts()).extracting(VerdictRecord::jobId).containsExactly("j1");
        assertThat(store().decideVerdict(passed("j1", lease.epoch()), JobState.FAILED, "late")).isFalse();
        assertThat(job("j1").state()).isEqualTo(JobState.COMPLETED);
    }

    @Test
    @DisplayName("a verdict must decide and end the job in a final state; one for a job without a result changes nothing")
    default void verdictMisuse() {
        Lease lease = leasedJob("j1", "n1");
        store().acceptResult("j1", "n1", lease.epoch(), "completed", 0, "{}");

        assertThatThrownBy(() -> store().decideVerdict(new VerdictRecord("j1", 1, "n1", VerdictOutcome.PENDING, null,
                null, null, null, 0, null), JobState.COMPLETED, null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("j1").hasMessageContaining("PENDING");
        assertThatThrownBy(() -> store().decideVerdict(passed("j1", 1), JobState.RUNNING, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("RUNNING");
        assertThat(store().decideVerdict(passed("ghost", 1), JobState.COMPLETED, null)).isFalse();
        assertThat(store().verdict("ghost")).isEmpty();
    }

    @Test
    @DisplayName("a verification that could not decide is retried later: counted, with its error, due again then")
    default void deferred() {
        Lease lease = leasedJob("j1", "n1");
        store().acceptResult("j1", "n1", lease.epoch(), "completed", 0, "{}");

        assertThat(store().deferVerification("j1", "store busy", clock().instant().plusSeconds(30))).isTrue();

        assertThat(store().pendingVerifications(clock().instant())).isEmpty();
        assertThat(store().pendingVerifications(clock().instant().plusSeconds(30))).hasSize(1);
        assertThat(store().verdict("j1").orElseThrow().attempts()).isEqualTo(1);
        store().decideVerdict(passed("j1", lease.epoch()), JobState.COMPLETED, null);
        assertThat(store().deferVerification("j1", "late", clock().instant())).isFalse();
    }

    @Test
    @DisplayName("a pending result and an unannounced verdict survive a restart; an announced one is not listed again")
    default void queueSurvivesRestart() {
        Lease one = leasedJob("j1", "n1");
        submit("j2", 0);
        Lease two = store().grantLease("j2", "n1");
        store().acceptResult("j1", "n1", one.epoch(), "completed", 0, "{}");
        store().acceptResult("j2", "n1", two.epoch(), "completed", 0, "{}");
        store().decideVerdict(passed("j2", two.epoch()), JobState.COMPLETED, null);

        reopen();

        assertThat(store().pendingVerifications(clock().instant())).extracting(ResultRecord::jobId)
                .containsExactly("j1");
        assertThat(store().unannouncedVerdicts()).extracting(VerdictRecord::jobId).containsExactly("j2");
        assertThat(store().markAnnounced("j2")).isTrue();
        reopen();
        assertThat(store().unannouncedVerdicts()).isEmpty();
        assertThat(store().markAnnounced("j1")).as("a pending verdict cannot be announced").isFalse();
    }

    @Test
    @DisplayName("results are found by their receipt digest, oldest first; a lease is found by job and epoch with its GPUs")
    default void lookups() {
        registerNode("n1");
        submit("a", 0);
        submit("b", 0);
        Lease a = store().grantLease("a", "n1", List.of(0));
        Lease b = store().grantLease("b", "n1");
        store().acceptResult("a", "n1", a.epoch(), "completed", 0, "{}", "same");
        clock().advance(Duration.ofSeconds(1));
        store().acceptResult("b", "n1", b.epoch(), "completed", 0, "{}", "same");

        assertThat(store().resultsWithReceiptDigest("same")).extracting(ResultRecord::jobId).containsExactly("a", "b");
        assertThat(store().resultsWithReceiptDigest("other")).isEmpty();
        assertThat(store().lease("a", a.epoch())).contains(a);
        assertThat(store().lease("a", 9)).isEmpty();
        assertThat(store().flagResult("b", "logsHash differs from the majority")).isTrue();
        assertThat(store().verdict("b").orElseThrow().flagged()).isEqualTo("logsHash differs from the majority");
        assertThat(store().flagResult("ghost", "x")).isFalse();
    }
}
