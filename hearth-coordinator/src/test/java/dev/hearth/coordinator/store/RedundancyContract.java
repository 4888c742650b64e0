// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.core.job.Redundancy;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** k-of-n jobs in the store: the parent and its copies made whole in one transaction, the price split exactly. */
interface RedundancyContract extends LedgerContract {

    default JobRecord kOfN(String id, String account, long price, int n, int k) {
        return store().submitRedundantJob(id, "{\"image\":\"hearth/busybox\"}", 0, 1, new HoldRequest(account, price),
                new Redundancy(n, k));
    }

    @Test
    @DisplayName("a k-of-n job is a redundant parent and n queued copies, whose holds add up to the price exactly")
    default void copiesAndShares() {
        deposit("client:alice", 10 * CREDIT);

        JobRecord parent = kOfN("j", "client:alice", 10, 3, 2);

        assertThat(parent.state()).isEqualTo(JobState.REDUNDANT);
        assertThat(parent.redundancy()).isEqualTo(new Redundancy(3, 2));
        List<JobRecord> copies = store().copies("j");
        assertThat(copies).extracting(JobRecord::id).containsExactly("j.copy1", "j.copy2", "j.copy3");
        assertThat(copies).allSatisfy(c -> {
            assertThat(c.state()).isEqualTo(JobState.QUEUED);
            assertThat(c.parentId()).isEqualTo("j");
            assertThat(c.maxRetries()).isEqualTo(1);
        });
        assertThat(copies).extracting(JobRecord::copyIndex).containsExactly(1, 2, 3);
        assertThat(store().queuedJobs()).extracting(JobRecord::id).doesNotContain("j");
        assertThat(ledger().hold("j").orElseThrow().amountMicros()).isZero();
        assertThat(copies).extracting(c -> ledger().hold(c.id()).orElseThrow().amountMicros())
                .containsExactly(4L, 3L, 3L);
        assertThat(balance("escrow")).isEqualTo(10);
        assertThat(total()).isZero();
    }

    @Test
    @DisplayName("a k-of-n job the account cannot cover is refused whole: no parent, no copy, no hold")
    default void copiesInsufficientFunds() {
        deposit("client:alice", 2 * CREDIT);

        assertThatThrownBy(() -> kOfN("j", "client:alice", 3 * CREDIT, 3, 2))
                .isInstanceOf(InsufficientFundsException.class);
        assertThat(store().job("j")).isEmpty();
        assertThat(store().job("j.copy1")).isEmpty();
        assertThat(ledger().hold("j.copy1")).isEmpty();
        assertThat(balance("client:alice")).isEqualTo(2 * CREDIT);
        assertThat(total()).isZero();
    }

    @Test
    @DisplayName("the nodes of a job's copies are every node ever leased one; the job ends once, from redundant only")
    default void nodesAndFinish() {
        registerNode("n1");
        registerNode("n2");
        kOfN("j", "client:default", 0, 2, 2);
        store().grantLease("j.copy1", "n1");
        store().revokeLeasesOf("n1", "lost");
        store().grantLease("j.copy1", "n2");

        assertThat(store().nodesOfCopies("j")).containsExactly("n1", "n2");
        assertThat(store().finishRedundantJob("j", JobState.COMPLETED, null)).isTrue();
        assertThat(store().finishRedundantJob("j", JobState.FAILED, "late")).isFalse();
        assertThat(store().job("j").orElseThrow().state()).isEqualTo(JobState.COMPLETED);
        assertThat(store().jobs(Optional.of(JobState.REDUNDANT))).isEmpty();
    }
}
