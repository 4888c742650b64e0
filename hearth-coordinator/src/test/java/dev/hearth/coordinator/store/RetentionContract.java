// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Retention of finished jobs: a job final since before the cutoff, with nothing left to settle, keeps a tombstone
 * (state, times) while its spec, result, verdict and leases go; its ledger entries stay and still balance.
 */
interface RetentionContract extends StoreFixture {

    long PRICE = 2_000_000L;

    /** A priced job run on n1 to a passed, announced verdict; its hold is released to n1 when {@code settle}. */
    private void completedPaidJob(String id, boolean settle) {
        store().submitJob(id, "{\"image\":\"hearth/busybox\",\"env\":{\"BIG\":\"x\"}}", 0, 0,
                new HoldRequest("client:alice", PRICE));
        Lease l = store().grantLease(id, "n1");
        store().acceptResult(id, "n1", l.epoch(), "completed", 0, "{\"logs\":\"lots of text\"}", "digest-" + id);
        assertThat(store().decideVerdict(new VerdictRecord(id, l.epoch(), "n1", VerdictOutcome.PASSED, null,
                "all checks hold", "[]", null, 0, null), JobState.COMPLETED, "verified")).isTrue();
        store().markAnnounced(id);
        if (settle) {
            store().ledger().settle(id, Optional.of("n1"), false);
        }
    }

    private long ledgerTotal() {
        return store().ledger().accounts().stream().mapToLong(LedgerAccount::balanceMicros).sum();
    }

    @Test
    @DisplayName("a settled job final before the cutoff keeps a tombstone; its result, verdict and leases go, its "
            + "ledger entries stay; a younger, unsettled or live job is untouched")
    default void prunesOldSettledJobs() {
        registerNode("n1");
        store().ledger().post("dep-alice", TransferKind.DEPOSIT, AccountKind.EXTERNAL_ID, "client:alice", 10 * PRICE,
                null);
        completedPaidJob("old", true);
        completedPaidJob("unsettled", false);
        store().submitJob("cancelled", "{\"image\":\"hearth/busybox\"}", 0, 0, new HoldRequest("client:alice", PRICE));
        store().cancelJob("cancelled");
        store().ledger().settle("cancelled", Optional.empty(), false);
        submit("running", 0);
        store().grantLease("running", "n1");
        clock().advance(Duration.ofDays(2));
        completedPaidJob("young", true);
        JobRecord oldBefore = job("old");
        long aliceBefore = store().ledger().account("client:alice").orElseThrow().balanceMicros();

        Instant cutoff = clock().instant().minus(Duration.ofDays(1));
        assertThat(store().pruneFinishedJobs(cutoff, 100)).containsExactlyInAnyOrder("old", "cancelled");

        JobRecord old = job("old");
        assertThat(old.state()).isEqualTo(JobState.COMPLETED);
        assertThat(old.updatedAt()).isEqualTo(oldBefore.updatedAt());
        assertThat(old.nodeId()).isEqualTo("n1");
        assertThat(old.specJson()).doesNotContain("BIG");
        assertThat(store().prunedAt("old")).contains(clock().instant().truncatedTo(ChronoUnit.MILLIS));
        assertThat(store().result("old")).isEmpty();
        assertThat(store().verdict("old")).isEmpty();
        assertThat(store().lease("old", oldBefore.epoch())).isEmpty();
        assertThat(store().ledger().hold("old")).get().extracting(Hold::state).isEqualTo(Hold.State.RELEASED);
        assertThat(store().ledger().hold("cancelled")).get().extracting(Hold::state).isEqualTo(Hold.State.REFUNDED);
        assertThat(store().ledger().transfers(Optional.empty(), Optional.empty(), 100))
                .extracting(LedgerTransfer::jobId).contains("old", "cancelled");
        assertThat(ledgerTotal()).isZero();
        assertThat(store().ledger().account("client:alice").orElseThrow().balanceMicros()).isEqualTo(aliceBefore);

        for (String kept : new String[] {"young", "unsettled", "running"}) {
            assertThat(store().prunedAt(kept)).as("pruned at, job %s", kept).isEmpty();
            assertThat(job(kept).specJson()).as("spec of job %s", kept).contains("busybox");
        }
        assertThat(store().result("young")).isPresent();
        assertThat(store().result("unsettled")).as("its hold is still to settle, on its verdict").isPresent();

        assertThat(store().pruneFinishedJobs(cutoff, 100)).as("pruned once").isEmpty();
        assertThat(reopen().job("old")).get().extracting(JobRecord::state).isEqualTo(JobState.COMPLETED);
        assertThat(store().prunedAt("old")).isPresent();
    }

    @Test
    @DisplayName("a sweep prunes at most its limit, oldest first")
    default void prunesInBatches() {
        for (String id : new String[] {"a", "b", "c"}) {
            submit(id, 0);
            store().cancelJob(id);
            store().ledger().settle(id, Optional.empty(), false);
            clock().advance(Duration.ofSeconds(1));
        }

        assertThat(store().pruneFinishedJobs(clock().instant(), 2)).containsExactly("a", "b");
        assertThat(store().pruneFinishedJobs(clock().instant(), 2)).containsExactly("c");
    }
}
