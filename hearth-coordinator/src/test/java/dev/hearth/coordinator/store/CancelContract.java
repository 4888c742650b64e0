// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Cancelling: any job that has not ended, telling which node to stop; a final job stays as it is. */
interface CancelContract extends StoreFixture {

    @Test
    @DisplayName("a queued job is cancelled and no node needs telling")
    default void cancelQueued() {
        submit("j1", 0);

        assertThat(store().cancelJob("j1")).isEqualTo(new Cancellation.Cancelled(JobState.QUEUED, Optional.empty()));
        assertThat(job("j1").state()).isEqualTo(JobState.CANCELLED);
        assertThat(store().queuedJobs()).isEmpty();
    }

    @Test
    @DisplayName("a running job is cancelled, naming its node, and a result sent afterwards is refused")
    default void cancelRunning() {
        Lease lease = leasedJob("j1", "n1");
        store().markRunning("j1", lease.epoch());

        assertThat(store().cancelJob("j1"))
                .isEqualTo(new Cancellation.Cancelled(JobState.RUNNING, Optional.of("n1")));
        assertThat(store().acceptResult("j1", "n1", lease.epoch(), "completed", 0, "{}"))
                .isEqualTo(new ResultAcceptance.AlreadyFinal(JobState.CANCELLED));
        assertThat(store().revokeLeasesOf("n1", "lost")).isEmpty();
    }

    @Test
    @DisplayName("an unplaceable job can be cancelled too")
    default void cancelUnplaceable() {
        submit("j1", 0);
        store().markUnplaceable("j1", "too big");

        assertThat(store().cancelJob("j1"))
                .isEqualTo(new Cancellation.Cancelled(JobState.UNPLACEABLE, Optional.empty()));
    }

    @Test
    @DisplayName("a finished job is not cancelled; an unknown one is reported unknown")
    default void cancelFinal() {
        Lease lease = leasedJob("j1", "n1");
        store().acceptResult("j1", "n1", lease.epoch(), "completed", 0, "{}");

        assertThat(store().cancelJob("j1")).isEqualTo(new Cancellation.AlreadyFinal(JobState.VERIFYING));
        assertThat(job("j1").state()).isEqualTo(JobState.VERIFYING);
        store().decideVerdict(new VerdictRecord("j1", lease.epoch(), "n1", VerdictOutcome.PASSED, null, null, "[]",
                null, 0, null), JobState.COMPLETED, null);
        assertThat(store().cancelJob("j1")).isEqualTo(new Cancellation.AlreadyFinal(JobState.COMPLETED));
        assertThat(job("j1").state()).isEqualTo(JobState.COMPLETED);
        assertThat(store().cancelJob("ghost")).isEqualTo(new Cancellation.UnknownJob());
    }
}
