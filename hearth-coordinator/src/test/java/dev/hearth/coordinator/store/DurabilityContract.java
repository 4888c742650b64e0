// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** What a restart of the coordinator keeps: everything that was answered. */
interface DurabilityContract extends StoreFixture {

    @Test
    @DisplayName("a submitted job, a lease, a token and a result waiting for its verdict survive closing and "
            + "reopening the store")
    default void survivesReopen() {
        JobRecord submitted = submit("queued", 2);
        Lease lease = leasedJob("done", "n1");
        store().acceptResult("done", "n1", lease.epoch(), "completed", 0, "{}");
        IssuedToken token = store().createToken("t", Duration.ofHours(1));
        var bound = (TokenCheck.Accepted) store().authenticateToken(token.plaintext(), "key");

        reopen();

        assertThat(store().job("queued")).contains(submitted);
        assertThat(job("done").state()).isEqualTo(JobState.VERIFYING);
        assertThat(store().result("done")).isPresent();
        assertThat(store().pendingVerifications(clock().instant())).extracting(ResultRecord::jobId)
                .containsExactly("done");
        assertThat(store().authenticateToken(token.plaintext(), "key"))
                .isEqualTo(new TokenCheck.Accepted(bound.nodeId(), false));
        assertThat(store().node("n1")).isPresent();
    }

    @Test
    @DisplayName("a closed store refuses work, saying it is closed and what was asked")
    default void closedRefuses() {
        store().close();

        assertThatThrownBy(() -> store().job("j1")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed").hasMessageContaining("read job j1");
        assertThatThrownBy(() -> submit("j1", 0)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("submit job j1");
    }
}
