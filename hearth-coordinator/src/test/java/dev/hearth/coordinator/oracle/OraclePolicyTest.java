// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.oracle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hearth.core.InvalidInputException;
import java.time.Instant;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Oracle policies: lenient and Hypernode timing, exit-zero and marker completion, settings read by name")
class OraclePolicyTest {

    private static final Instant T0 = Instant.parse("2026-11-23T09:00:00Z");

    private static TimingPolicy.Times run(long submittedToStart, long ranSeconds, long timeout, long estimate) {
        Instant start = T0.plusSeconds(submittedToStart);
        Instant end = start.plusSeconds(ranSeconds);
        return new TimingPolicy.Times(T0, start, end.plusSeconds(1), start, end, timeout, estimate);
    }

    @Test
    @DisplayName("lenient: within timeout + 70 s holds; longer, ending before it started, or in the future fails")
    void lenient() {
        assertThat(TimingPolicy.LENIENT.judge(run(0, 300, 300, 0)).failed()).isFalse();
        assertThat(TimingPolicy.LENIENT.judge(run(0, 371, 300, 0)).failed()).isTrue();
        assertThat(TimingPolicy.LENIENT.judge(new TimingPolicy.Times(T0, T0, T0, T0.plusSeconds(5), T0, 300, 0))
                .detail()).contains("before it started");
        assertThat(TimingPolicy.LENIENT.judge(new TimingPolicy.Times(T0, T0, T0, T0, T0.plusSeconds(3600), 300, 0))
                .detail()).contains("after the coordinator received it");
    }

    @Test
    @DisplayName("hypernode: more than 1 s and less than 2 x estimated time (3600 s by default) from submission")
    void hypernode() {
        assertThat(TimingPolicy.HYPERNODE.judge(run(0, 1, 300, 10)).failed()).as("exactly 1 s").isTrue();
        assertThat(TimingPolicy.HYPERNODE.judge(run(0, 2, 300, 10)).failed()).isFalse();
        assertThat(TimingPolicy.HYPERNODE.judge(run(5, 14, 300, 10)).failed()).as("19 s < 20 s").isFalse();
        assertThat(TimingPolicy.HYPERNODE.judge(run(5, 15, 300, 10)).failed()).as("20 s").isTrue();
        assertThat(TimingPolicy.HYPERNODE.judge(run(0, 7199, 300, 0)).failed()).isFalse();
        assertThat(TimingPolicy.HYPERNODE.judge(run(0, 7200, 300, 0)).detail()).contains("7200 s");
    }

    @Test
    @DisplayName("exit-zero wants completed with 0; markers wants one of the original's markers in the logs")
    void completion() {
        assertThat(CompletionPolicy.EXIT_ZERO.judge("completed", 0, "").failed()).isFalse();
        assertThat(CompletionPolicy.EXIT_ZERO.judge("failed", 1, "done").failed()).isTrue();
        assertThat(CompletionPolicy.MARKERS.judge("failed", 1, "All DONE").failed()).isFalse();
        assertThat(CompletionPolicy.MARKERS.judge("completed", 0, "step \u2705").failed()).isFalse();
        assertThat(CompletionPolicy.MARKERS.judge("completed", 0, "nothing to see").detail())
                .contains("none of the markers");
    }

    @Test
    @DisplayName("settings are read by name; anything else is refused naming the flag and the accepted names")
    void parse() {
        assertThat(OraclePolicy.parse("deny", "hypernode", "markers")).isEqualTo(new OraclePolicy(
                OraclePolicy.Unsigned.DENY, TimingPolicy.HYPERNODE, CompletionPolicy.MARKERS));
        assertThat(OraclePolicy.parse(null, null, null)).isEqualTo(OraclePolicy.DEFAULTS);
        assertThatThrownBy(() -> OraclePolicy.parse("nope", null, null)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("--unsigned").hasMessageContaining("allow (accepted, unpaid), pay (accepted and paid) or deny");
        assertThat(OraclePolicy.parse("pay", null, null).unsigned()).isEqualTo(OraclePolicy.Unsigned.PAY);
        assertThatThrownBy(() -> OraclePolicy.parse(null, "x", null)).hasMessageContaining("--timing");
        assertThatThrownBy(() -> OraclePolicy.parse(null, null, "x")).hasMessageContaining("--completion");
        assertThat(VerificationQueue.retryDelay(java.time.Duration.ofSeconds(1), 1)).hasSeconds(1);
        assertThat(VerificationQueue.retryDelay(java.time.Duration.ofSeconds(1), 4)).hasSeconds(8);
        assertThat(VerificationQueue.retryDelay(java.time.Duration.ofSeconds(1), 40)).isEqualTo(VerificationQueue.MAX_RETRY);
    }
}
