// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Judged results committed in batches ({@link Store#commitResults}): each accepted, decided, settled, announced and
 * its events written in one transaction, under the same lease rules as one accepted alone; one result's refusal or
 * failure leaves the batch's others standing.
 */
interface ResultCommitContract extends LedgerContract {

    /** The events' form: the job's state as the type, its id, state and epoch as the message id. */
    Webhooks.JobEventFormat EVENTS = (job, owner) -> new Webhooks.Event(job.id() + "/" + job.state() + "/"
            + job.epoch(), owner, job.nodeId(), "job." + job.state().name().toLowerCase(java.util.Locale.ROOT),
            "{\"id\":\"" + job.id() + "\"}");

    private ResultRecord result(String jobId, String nodeId, long epoch) {
        return new ResultRecord(jobId, epoch, nodeId, "completed", 0, "{\"id\":\"" + jobId + "\"}",
                clock().instant().truncatedTo(ChronoUnit.MILLIS));
    }

    private ResultDecision decision(String jobId, long epoch, VerdictOutcome outcome, Optional<String> payTo) {
        boolean failed = outcome == VerdictOutcome.FAILED;
        return new ResultDecision(new VerdictRecord(jobId, epoch, "n", outcome, failed ? "replay" : null,
                failed ? "presented before" : null, "[]", null, 0, null),
                failed ? JobState.FAILED : JobState.COMPLETED, failed ? "result failed verification (replay)" : null,
                payTo);
    }

    /** A result that passes and pays its node; failed and refunded should the store find a replay. */
    private JudgedResult passing(String jobId, String nodeId, long epoch, String digest) {
        return new JudgedResult(result(jobId, nodeId, epoch), digest,
                decision(jobId, epoch, VerdictOutcome.PASSED, Optional.of(nodeId)),
                earlier -> decision(jobId, epoch, VerdictOutcome.FAILED, Optional.empty()));
    }

    private List<String> eventTypes() {
        return store().webhooks().eventsAfter(0, 100).stream().map(e -> e.id().substring(0, e.id().indexOf('/'))
                + " " + e.type()).toList();
    }

    @Test
    @DisplayName("a batch of results is accepted, decided, settled and announced at once: each job final, its hold "
            + "released to its node, its verdict heard, its verifying and final events written")
    default void batchDecides() {
        deposit("client:alice", 10 * CREDIT);
        registerNode("n1");
        registerNode("n2");
        paidJob("a", "client:alice", 3 * CREDIT);
        paidJob("b", "client:alice", 2 * CREDIT);
        store().grantLease("a", "n1");
        store().grantLease("b", "n2");

        List<CommittedResult> done = store().commitResults(List.of(passing("a", "n1", 1, "d-a"),
                passing("b", "n2", 1, "d-b")), EVENTS, false);

        assertThat(done).hasSize(2).allSatisfy(r -> assertThat(r).isInstanceOf(CommittedResult.Decided.class));
        assertThat(((CommittedResult.Decided) done.get(0)).settlement())
                .isInstanceOf(HoldSettlement.Released.class);
        assertThat(job("a").state()).isEqualTo(JobState.COMPLETED);
        assertThat(job("b").state()).isEqualTo(JobState.COMPLETED);
        assertThat(store().result("a").orElseThrow().resultJson()).isEqualTo("{\"id\":\"a\"}");
        assertThat(store().verdict("a").orElseThrow().outcome()).isEqualTo(VerdictOutcome.PASSED);
        assertThat(store().unannouncedVerdicts()).isEmpty();
        assertThat(store().pendingVerifications(clock().instant().plusSeconds(60))).isEmpty();
        assertThat(balance(AccountKind.node("n1"))).isEqualTo(3 * CREDIT);
        assertThat(balance(AccountKind.node("n2"))).isEqualTo(2 * CREDIT);
        assertThat(balance("escrow")).isZero();
        assertThat(total()).isZero();
        assertThat(eventTypes()).containsExactly("a job.verifying", "a job.completed", "b job.verifying",
                "b job.completed");
    }

    @Test
    @DisplayName("a stale-epoch result inside a batch is refused with the current epoch and writes nothing; the "
            + "others are accepted")
    default void staleInsideBatch() {
        leasedJob("a", "n1");
        submit("b", 1);
        store().grantLease("b", "n1");
        registerNode("n2");
        store().revokeLeasesOf("n1", "node n1 lost");
        store().grantLease("b", "n2");
        submit("c", 0);
        store().grantLease("c", "n2");

        List<CommittedResult> done = store().commitResults(List.of(passing("b", "n1", 1, null),
                passing("c", "n2", 1, null)), EVENTS, false);

        assertThat(done.get(0)).isEqualTo(new CommittedResult.Refused(new ResultAcceptance.StaleEpoch(2)));
        assertThat(done.get(1)).isInstanceOf(CommittedResult.Decided.class);
        assertThat(job("b").state()).isEqualTo(JobState.LEASED);
        assertThat(store().result("b")).isEmpty();
        assertThat(store().ledger().hold("b").orElseThrow().state()).isEqualTo(Hold.State.HELD);
        assertThat(job("c").state()).isEqualTo(JobState.COMPLETED);
    }

    @Test
    @DisplayName("a job's result twice, in one batch or the next, is decided and settled once; the repeat is refused as "
            + "already final")
    default void settledOnce() {
        deposit("client:alice", 10 * CREDIT);
        registerNode("n1");
        paidJob("a", "client:alice", 3 * CREDIT);
        store().grantLease("a", "n1");

        List<CommittedResult> done = store().commitResults(List.of(passing("a", "n1", 1, null),
                passing("a", "n1", 1, null)), EVENTS, true);
        List<CommittedResult> again = store().commitResults(List.of(passing("a", "n1", 1, null)), EVENTS, true);

        assertThat(done.get(0)).isInstanceOf(CommittedResult.Decided.class);
        assertThat(done.get(1)).isEqualTo(new CommittedResult.Refused(new ResultAcceptance.AlreadyFinal(
                JobState.COMPLETED)));
        assertThat(again.get(0)).isEqualTo(done.get(1));
        assertThat(balance(AccountKind.node("n1"))).isEqualTo(3 * CREDIT);
        assertThat(store().ledger().duePayments(clock().instant().plusSeconds(1), 10)).hasSize(1);
        assertThat(store().ledger().settle("a", Optional.of("n1"), true))
                .isInstanceOf(HoldSettlement.AlreadySettled.class);
        assertThat(total()).isZero();
    }

    @Test
    @DisplayName("a result presenting another job's receipt signature, committed before or earlier in the batch, "
            + "gets its replay decision: failed and refunded, while the first is paid")
    default void replayInsideBatch() {
        deposit("client:alice", 10 * CREDIT);
        registerNode("n1");
        paidJob("a", "client:alice", 3 * CREDIT);
        paidJob("b", "client:alice", 2 * CREDIT);
        paidJob("c", "client:alice", 1 * CREDIT);
        store().grantLease("a", "n1");
        store().grantLease("b", "n1");
        store().grantLease("c", "n1");

        List<CommittedResult> done = store().commitResults(List.of(passing("a", "n1", 1, "same"),
                passing("b", "n1", 1, "same")), EVENTS, false);
        List<CommittedResult> later = store().commitResults(List.of(passing("c", "n1", 1, "same")), EVENTS, false);

        assertThat(((CommittedResult.Decided) done.get(0)).decision().verdict().outcome())
                .isEqualTo(VerdictOutcome.PASSED);
        assertThat(((CommittedResult.Decided) done.get(1)).settlement()).isInstanceOf(HoldSettlement.Refunded.class);
        assertThat(((CommittedResult.Decided) later.get(0)).settlement()).isInstanceOf(HoldSettlement.Refunded.class);
        assertThat(store().verdict("b").orElseThrow().failedCheck()).isEqualTo("replay");
        assertThat(job("b").state()).isEqualTo(JobState.FAILED);
        assertThat(job("c").state()).isEqualTo(JobState.FAILED);
        assertThat(balance(AccountKind.node("n1"))).isEqualTo(3 * CREDIT);
        assertThat(balance("client:alice")).isEqualTo(7 * CREDIT);
        assertThat(total()).isZero();
    }

    @Test
    @DisplayName("a result whose writes fail is rolled back alone and reported failed: its job stays leased, the "
            + "batch's others commit")
    default void failureRolledBackAlone() {
        leasedJob("a", "n1");
        submit("b", 0);
        store().grantLease("b", "n1");
        JudgedResult unpayable = new JudgedResult(result("a", "n1", 1), null,
                decision("a", 1, VerdictOutcome.PASSED, Optional.of("ghost")), // not registered: settling throws
                earlier -> decision("a", 1, VerdictOutcome.FAILED, Optional.empty()));

        List<CommittedResult> done = store().commitResults(List.of(unpayable, passing("b", "n1", 1, null)), EVENTS,
                false);

        assertThat(done.get(0)).isInstanceOfSatisfying(CommittedResult.Failed.class,
                f -> assertThat(f.cause()).hasMessageContaining("ghost"));
        assertThat(job("a").state()).isEqualTo(JobState.LEASED);
        assertThat(store().result("a")).isEmpty();
        assertThat(eventTypes()).containsExactly("b job.verifying", "b job.completed");
        assertThat(job("b").state()).isEqualTo(JobState.COMPLETED);
        assertThat(store().acceptResult("a", "n1", 1, "completed", 0, "{}"))
                .isInstanceOf(ResultAcceptance.Accepted.class);
    }

    @Test
    @DisplayName("committed results are durable and their jobs' watchers hear of them")
    default void durableAndWatched() {
        leasedJob("a", "n1");
        List<String> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
        store().watchJobs(heard::add);
        Instant received = clock().instant().truncatedTo(ChronoUnit.MILLIS);

        store().commitResults(List.of(passing("a", "n1", 1, null)), EVENTS, false);
        reopen();

        assertThat(heard).contains("a");
        assertThat(job("a").state()).isEqualTo(JobState.COMPLETED);
        assertThat(store().result("a").orElseThrow().receivedAt()).isEqualTo(received);
    }
}
