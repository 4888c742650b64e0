// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Future;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The ledger: balanced transfers, holds taken with the submission and settled once, no balance below zero, the
 * payment outbox and reputation's counts, across reopening.
 */
interface LedgerContract extends StoreFixture {

    long CREDIT = 1_000_000L;

    default LedgerBook ledger() {
        return store().ledger();
    }

    default long balance(String account) {
        return ledger().account(account).map(LedgerAccount::balanceMicros).orElse(0L);
    }

    default long total() {
        return ledger().accounts().stream().mapToLong(LedgerAccount::balanceMicros).sum();
    }

    default void deposit(String account, long micros) {
        ledger().post("dep:" + account + ":" + micros + ":" + ledger().accounts().size() + ":" + total()
                + ":" + System.nanoTime(), TransferKind.DEPOSIT, AccountKind.EXTERNAL_ID, account, micros, null);
    }

    default JobRecord paidJob(String id, String account, long price) {
        return store().submitJob(id, "{\"image\":\"hearth/busybox\"}", 0, 0, new HoldRequest(account, price));
    }

    @Test
    @DisplayName("a deposit moves money from external into the account; all balances sum to zero")
    default void depositBalances() {
        deposit("client:alice", 10 * CREDIT);

        assertThat(balance("client:alice")).isEqualTo(10 * CREDIT);
        assertThat(balance("external")).isEqualTo(-10 * CREDIT);
        assertThat(total()).isZero();
        LedgerTransfer t = ledger().transfers(Optional.of("client:alice"), Optional.empty(), 10).getFirst();
        assertThat(t.kind()).isEqualTo(TransferKind.DEPOSIT);
        assertThat(t.fromAccount()).isEqualTo("external");
        assertThat(t.amountMicros()).isEqualTo(10 * CREDIT);
    }

    @Test
    @DisplayName("a deposit retried with its key moves nothing again; the key reused for another amount is refused")
    default void depositIdempotent() {
        Posted first = ledger().post("bank-42", TransferKind.DEPOSIT, "external", "client:bob", 5 * CREDIT, null);
        Posted again = ledger().post("bank-42", TransferKind.DEPOSIT, "external", "client:bob", 5 * CREDIT, null);

        assertThat(first.replayed()).isFalse();
        assertThat(again.replayed()).isTrue();
        assertThat(again.transfer()).isEqualTo(first.transfer());
        assertThat(balance("client:bob")).isEqualTo(5 * CREDIT);
        assertThatThrownBy(() -> ledger().post("bank-42", TransferKind.DEPOSIT, "external", "client:bob", CREDIT,
                null)).isInstanceOf(IllegalStateException.class).hasMessageContaining("bank-42");
        assertThat(balance("client:bob")).isEqualTo(5 * CREDIT);
    }

    @Test
    @DisplayName("submitting holds the price in escrow in the same transaction")
    default void holdAtSubmission() {
        deposit("client:alice", 10 * CREDIT);

        paidJob("j1", "client:alice", 3 * CREDIT);

        assertThat(balance("client:alice")).isEqualTo(7 * CREDIT);
        assertThat(balance("escrow")).isEqualTo(3 * CREDIT);
        Hold hold = ledger().hold("j1").orElseThrow();
        assertThat(hold.state()).isEqualTo(Hold.State.HELD);
        assertThat(hold.amountMicros()).isEqualTo(3 * CREDIT);
        assertThat(hold.accountId()).isEqualTo("client:alice");
        assertThat(total()).isZero();
    }

    @Test
    @DisplayName("a submission the account cannot cover is refused whole: no job, no hold, no money moved")
    default void insufficientFunds() {
        deposit("client:alice", 2 * CREDIT);

        assertThatThrownBy(() -> paidJob("j1", "client:alice", 3 * CREDIT))
                .isInstanceOfSatisfying(InsufficientFundsException.class, e -> {
                    assertThat(e.accountId()).isEqualTo("client:alice");
                    assertThat(e.balanceMicros()).isEqualTo(2 * CREDIT);
                    assertThat(e.neededMicros()).isEqualTo(3 * CREDIT);
                })
                .hasMessageContaining("holds 2 credits, 3 are needed").hasMessageContaining("hearth ledger deposit");
        assertThat(store().job("j1")).isEmpty();
        assertThat(ledger().hold("j1")).isEmpty();
        assertThat(balance("client:alice")).isEqualTo(2 * CREDIT);
        assertThat(balance("escrow")).isZero();
    }

    @Test
    @DisplayName("a batch is queued in one transaction, in order, each job with its hold (k-of-n copies their shares)")
    default void submitJobsAll() {
        deposit("client:alice", 10 * CREDIT);
        HoldRequest two = new HoldRequest("client:alice", 2 * CREDIT);
        List<JobRecord> jobs = store().submitJobs(List.of(
                new NewJob("b1", "{}", 0, 1, two, dev.hearth.core.job.Redundancy.NONE),
                new NewJob("b2", "{}", 5, 0, new HoldRequest("client:alice", 3 * CREDIT),
                        new dev.hearth.core.job.Redundancy(3, 2)),
                new NewJob("b3", "{}", 0, 2, two, dev.hearth.core.job.Redundancy.NONE)));

        assertThat(jobs).extracting(JobRecord::id).containsExactly("b1", "b2", "b3");
        assertThat(jobs).extracting(JobRecord::state).containsExactly(JobState.QUEUED, JobState.REDUNDANT,
                JobState.QUEUED);
        assertThat(store().copies("b2")).hasSize(3).allMatch(c -> c.state() == JobState.QUEUED);
        assertThat(ledger().hold("b2.copy1").orElseThrow().amountMicros()
                + ledger().hold("b2.copy2").orElseThrow().amountMicros()
                + ledger().hold("b2.copy3").orElseThrow().amountMicros()).isEqualTo(3 * CREDIT);
        assertThat(balance("client:alice")).isEqualTo(3 * CREDIT);
        assertThat(balance("escrow")).isEqualTo(7 * CREDIT);
        assertThat(total()).isZero();
    }

    @Test
    @DisplayName("a batch one job of which fails (funds run out, an id exists) creates nothing, holds nothing")
    default void submitJobsNone() {
        deposit("client:alice", 5 * CREDIT);
        paidJob("taken", "client:alice", 0);
        HoldRequest two = new HoldRequest("client:alice", 2 * CREDIT);
        java.util.function.Function<String, NewJob> job = id -> new NewJob(id, "{}", 0, 0, two,
                dev.hearth.core.job.Redundancy.NONE);

        assertThatThrownBy(() -> store().submitJobs(List.of(job.apply("c1"), job.apply("c2"), job.apply("c3"))))
                .isInstanceOfSatisfying(InsufficientFundsException.class,
                        e -> assertThat(e.balanceMicros()).isEqualTo(CREDIT)); // after c1 and c2 were held
        assertThatThrownBy(() -> store().submitJobs(List.of(job.apply("d1"), job.apply("taken"))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("job taken already exists");

        for (String id : List.of("c1", "c2", "c3", "d1")) {
            assertThat(store().job(id)).as(id).isEmpty();
            assertThat(ledger().hold(id)).as(id).isEmpty();
        }
        assertThat(balance("client:alice")).isEqualTo(5 * CREDIT);
        assertThat(balance("escrow")).isZero();
        assertThat(store().submitJobs(List.of())).isEmpty();
    }

    @Test
    @DisplayName("a free job gets a hold of zero, settled like any other, with no transfer")
    default void freeJob() {
        registerNode("n1");
        submit("j1", 0);

        assertThat(ledger().hold("j1").orElseThrow().amountMicros()).isZero();
        assertThat(ledger().settle("j1", Optional.of("n1"), true))
                .isInstanceOfSatisfying(HoldSettlement.Released.class, r -> assertThat(r.transfer()).isEmpty());
        assertThat(ledger().transfers(Optional.empty(), Optional.empty(), 100)).isEmpty();
        assertThat(ledger().duePayments(clock().instant(), 10)).isEmpty();
    }

    @Test
    @DisplayName("a release pays the node once; a second release or a refund afterwards moves nothing")
    default void releaseOnce() {
        registerNode("n1");
        deposit("client:alice", 10 * CREDIT);
        paidJob("j1", "client:alice", 4 * CREDIT);

        HoldSettlement first = ledger().settle("j1", Optional.of("n1"), false);
        HoldSettlement again = ledger().settle("j1", Optional.of("n1"), false);
        HoldSettlement refund = ledger().settle("j1", Optional.empty(), false);

        assertThat(first).isInstanceOf(HoldSettlement.Released.class);
        assertThat(again).isInstanceOf(HoldSettlement.AlreadySettled.class);
        assertThat(refund).isInstanceOf(HoldSettlement.AlreadySettled.class);
        assertThat(balance("node:n1")).isEqualTo(4 * CREDIT);
        assertThat(balance("escrow")).isZero();
        assertThat(balance("client:alice")).isEqualTo(6 * CREDIT);
        Hold hold = ledger().hold("j1").orElseThrow();
        assertThat(hold.state()).isEqualTo(Hold.State.RELEASED);
        assertThat(hold.nodeId()).isEqualTo("n1");
        assertThat(hold.settledAt()).isEqualTo(clock().instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
        assertThat(total()).isZero();
    }

    @Test
    @DisplayName("a refund returns the price to the submitter once; a later release moves nothing")
    default void refundOnce() {
        registerNode("n1");
        deposit("client:alice", 10 * CREDIT);
        paidJob("j1", "client:alice", 4 * CREDIT);

        assertThat(ledger().settle("j1", Optional.empty(), true)).isInstanceOf(HoldSettlement.Refunded.class);
        assertThat(ledger().settle("j1", Optional.of("n1"), true)).isInstanceOf(HoldSettlement.AlreadySettled.class);

        assertThat(balance("client:alice")).isEqualTo(10 * CREDIT);
        assertThat(balance("node:n1")).isZero();
        assertThat(ledger().duePayments(clock().instant(), 10)).isEmpty();
        assertThat(ledger().settle("ghost", Optional.empty(), false)).isInstanceOf(HoldSettlement.NoHold.class);
    }

    @Test
    @DisplayName("eight threads settling one hold at once, half releasing and half refunding: exactly one settles")
    default void concurrentSettlement() throws Exception {
        registerNode("n1");
        deposit("client:alice", 10 * CREDIT);
        paidJob("j1", "client:alice", 4 * CREDIT);

        List<Future<HoldSettlement>> outcomes = race(8, i -> () -> ledger().settle("j1",
                i % 2 == 0 ? Optional.of("n1") : Optional.empty(), false));

        List<HoldSettlement> results = new ArrayList<>();
        for (Future<HoldSettlement> f : outcomes) {
            results.add(f.get());
        }
        assertThat(results).filteredOn(r -> !(r instanceof HoldSettlement.AlreadySettled)).hasSize(1);
        assertThat(balance("node:n1") + balance("client:alice")).isEqualTo(10 * CREDIT);
        assertThat(balance("escrow")).isZero();
        assertThat(ledger().transfers(Optional.of("escrow"), Optional.empty(), 100)).hasSize(2);
    }

    @Test
    @DisplayName("holds, balances and settlements survive closing and reopening the store")
    default void durable() {
        registerNode("n1");
        deposit("client:alice", 10 * CREDIT);
        paidJob("j1", "client:alice", 4 * CREDIT);
        paidJob("j2", "client:alice", 1 * CREDIT);
        ledger().settle("j1", Optional.of("n1"), true);

        reopen();

        assertThat(ledger().hold("j1").orElseThrow().state()).isEqualTo(Hold.State.RELEASED);
        assertThat(ledger().hold("j2").orElseThrow().state()).isEqualTo(Hold.State.HELD);
        assertThat(ledger().settle("j1", Optional.empty(), true)).isInstanceOf(HoldSettlement.AlreadySettled.class);
        assertThat(balance("client:alice")).isEqualTo(5 * CREDIT);
        assertThat(balance("escrow")).isEqualTo(1 * CREDIT);
        assertThat(ledger().duePayments(clock().instant(), 10)).hasSize(1);
        assertThat(total()).isZero();
    }

    @Test
    @DisplayName("a stake moves funds from the node's account into its stake account, never below zero")
    default void stake() {
        registerNode("n1");
        deposit("node:n1", 3 * CREDIT);

        ledger().post("stake-1", TransferKind.STAKE, "node:n1", "stake:n1", 2 * CREDIT, "n1");

        assertThat(balance("node:n1")).isEqualTo(1 * CREDIT);
        assertThat(balance("stake:n1")).isEqualTo(2 * CREDIT);
        assertThatThrownBy(() -> ledger().post("stake-2", TransferKind.STAKE, "node:n1", "stake:n1", 2 * CREDIT, "n1"))
                .isInstanceOf(InsufficientFundsException.class);
        assertThat(balance("node:n1")).isEqualTo(1 * CREDIT);
        assertThat(ledger().standings().get("n1").stakeMicros()).isEqualTo(2 * CREDIT);
        assertThatThrownBy(() -> ledger().post("x", TransferKind.RELEASE, "escrow", "node:n1", CREDIT, "n1"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ledger().post("y", TransferKind.STAKE, "node:n1", "stake:n2", CREDIT, "n1"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ledger().post("z", TransferKind.DEPOSIT, "external", "bogus", CREDIT, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("client:NAME");
    }

    @Test
    @DisplayName("a release with notify waits in the outbox until delivered; a failure puts it off until its next time")
    default void outbox() {
        registerNode("n1");
        deposit("client:alice", 10 * CREDIT);
        paidJob("j1", "client:alice", 4 * CREDIT);
        HoldSettlement.Released r = (HoldSettlement.Released) ledger().settle("j1", Optional.of("n1"), true);
        long seq = r.transfer().orElseThrow().seq();

        List<PaymentNotice> due = ledger().duePayments(clock().instant(), 10);
        assertThat(due).singleElement().satisfies(p -> {
            assertThat(p.transfer().seq()).isEqualTo(seq);
            assertThat(p.transfer().toAccount()).isEqualTo("node:n1");
            assertThat(p.attempts()).isZero();
        });
        ledger().paymentFailed(seq, "HTTP 503", clock().instant().plusSeconds(10));
        assertThat(ledger().duePayments(clock().instant(), 10)).isEmpty();
        clock().advance(Duration.ofSeconds(10));
        assertThat(ledger().duePayments(clock().instant(), 10)).singleElement()
                .satisfies(p -> assertThat(p.lastError()).isEqualTo("HTTP 503"));
        ledger().paymentDelivered(seq, clock().instant());
        assertThat(ledger().duePayments(clock().instant().plusSeconds(3600), 10)).isEmpty();
    }

    @Test
    @DisplayName("final jobs whose holds are still open are listed for settlement; settled ones are not")
    default void unsettledFinal() {
        registerNode("n1");
        submit("done", 0);
        submit("cancelled", 0);
        submit("waiting", 0);
        Lease lease = store().grantLease("done", "n1");
        store().acceptResult("done", "n1", lease.epoch(), "completed", 0, "{}");
        store().cancelJob("cancelled");
        assertThat(ledger().unsettledFinalHolds()).as("a result still verifying is not final")
                .extracting(Hold::jobId).containsExactly("cancelled");
        decide("done", lease.epoch(), VerdictOutcome.PASSED, null);

        assertThat(ledger().unsettledFinalHolds()).extracting(Hold::jobId).containsExactly("cancelled", "done");
        ledger().settle("done", Optional.of("n1"), false);
        assertThat(ledger().unsettledFinalHolds()).extracting(Hold::jobId).containsExactly("cancelled");
    }

    @Test
    @DisplayName("a node's standing counts results, verified and failed verdicts, timeouts, lost leases and time online")
    default void standings() {
        registerNode("n1");
        for (String id : List.of("ok1", "ok2", "bad", "slow", "lost")) {
            submit(id, 1);
        }
        submit("exit1", 1);
        for (String id : List.of("ok1", "ok2", "bad", "slow", "exit1")) {
            Lease l = store().grantLease(id, "n1");
            store().acceptResult(id, "n1", l.epoch(), id.equals("slow") ? "timeout" : "completed", 0, "{}");
            switch (id) {
                case "ok1", "ok2" -> decide(id, l.epoch(), VerdictOutcome.PASSED, null);
                case "bad" -> decide(id, l.epoch(), VerdictOutcome.FAILED, "hashes");
                default -> decide(id, l.epoch(), VerdictOutcome.FAILED, "completion"); // its run failed, honestly
            }
        }
        ledger().settle("ok1", Optional.of("n1"), false);
        ledger().settle("ok2", Optional.of("n1"), false);
        ledger().settle("bad", Optional.empty(), false); // a completed result whose verdict failed
        ledger().settle("slow", Optional.empty(), false);
        store().grantLease("lost", "n1");
        clock().advance(Duration.ofSeconds(10));
        store().heartbeat("n1", clock().instant(), NodeState.ONLINE);
        clock().advance(Duration.ofSeconds(120)); // a gap too long to count as online
        store().heartbeat("n1", clock().instant(), NodeState.ONLINE);
        store().revokeLeasesOf("n1", "node n1 lost");

        NodeStanding s = ledger().standings().get("n1");
        assertThat(s.results()).isEqualTo(5);
        assertThat(s.verified()).isEqualTo(2);
        assertThat(s.failedVerification()).as("only the tampered result; an honest failed run is not the node's fault")
                .isEqualTo(1);
        assertThat(s.timedOut()).isEqualTo(1);
        assertThat(s.lost()).isEqualTo(1);
        assertThat(s.onlineMillis()).isEqualTo(10_000);
    }

    /** Decides a result's verdict as the oracle does, making its job final. */
    private void decide(String jobId, long epoch, VerdictOutcome outcome, String failedCheck) {
        assertThat(store().decideVerdict(new VerdictRecord(jobId, epoch, "n1", outcome, failedCheck, null, "[]", null,
                0, null), outcome == VerdictOutcome.FAILED ? JobState.FAILED : JobState.COMPLETED, "decided")).isTrue();
    }
}
