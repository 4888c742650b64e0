// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.hearth.coordinator.store.NodeStanding;
import dev.hearth.core.job.JobSpec;
import dev.hearth.core.job.GpuRequest;
import dev.hearth.core.job.Limits;
import dev.hearth.core.units.ByteSize;
import dev.hearth.core.units.CpuQuota;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Reputation and prices follow their documented formulas exactly")
class ReputationTest {

    private static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");
    private static final Instant HOUR_LATER = T0.plus(Duration.ofHours(1));

    private static NodeStanding standing(long verified, long failedVerification, long timedOut, long lost,
            Duration online, long stake) {
        return new NodeStanding("n", verified + failedVerification + timedOut, verified, failedVerification, timedOut,
                lost, online.toMillis(), T0, stake);
    }

    @Test
    @DisplayName("a new node starts at 0.5; verified results raise it; a failed verification costs three times a timeout")
    void formula() {
        assertThat(Reputation.of(standing(0, 0, 0, 0, Duration.ZERO, 0), T0.plusSeconds(5))).isEqualTo(0.5);
        assertThat(Reputation.of(standing(8, 0, 0, 0, Duration.ofHours(1), 0), HOUR_LATER)).isEqualTo(0.9);
        double oneTimeout = Reputation.of(standing(8, 0, 1, 0, Duration.ofHours(1), 0), HOUR_LATER);
        double oneLost = Reputation.of(standing(8, 0, 0, 1, Duration.ofHours(1), 0), HOUR_LATER);
        double oneCheat = Reputation.of(standing(8, 1, 0, 0, Duration.ofHours(1), 0), HOUR_LATER);
        assertThat(oneTimeout).isEqualTo(9.0 / 11).isEqualTo(oneLost);
        assertThat(oneCheat).isEqualTo(9.0 / 13);
        assertThat(Reputation.of(standing(8, 0, 0, 0, Duration.ofMinutes(30), 0), HOUR_LATER))
                .isCloseTo(0.9 * 0.75, within(1e-12));
    }

    @Test
    @DisplayName("the stake bonus is half at the reference stake and never reaches 1")
    void stakeBonus() {
        assertThat(Reputation.stakeBonus(0, 100)).isZero();
        assertThat(Reputation.stakeBonus(100, 100)).isEqualTo(0.5);
        assertThat(Reputation.stakeBonus(Long.MAX_VALUE / 2, 100)).isLessThanOrEqualTo(1.0);
        assertThat(Reputation.preference(standing(0, 0, 0, 0, Duration.ZERO, 100), T0, 100)).isEqualTo(1.0);
    }

    @Test
    @DisplayName("the rate card prices CPU-seconds, GiB-seconds and GPU-seconds over the timeout, rounded up exactly")
    void rateCard() {
        JobSpec spec = JobSpec.builder("j", "hearth/busybox:latest", List.of("true"))
                .limits(new Limits(new ByteSize(512L << 20), new CpuQuota(1_500_000_000L), 64))
                .timeout(Duration.ofSeconds(10)).gpus(new GpuRequest(2, List.of(), 0)).build();
        // 1.5 CPU x 1000 + 0.5 GiB x 333 + 2 GPU x 7 = 1500 + 166.5 + 14 = 1680.5 per second; x 10 s = 16805
        assertThat(new RateCard(1000, 333, 7).price(spec)).isEqualTo(16805);
        // 0.5 GiB x 1 micro x 10 s = 5; 1.5 CPU x 1 x 10 = 15
        assertThat(new RateCard(1, 1, 0).price(spec)).isEqualTo(20);
        JobSpec brief = JobSpec.builder("j", "hearth/busybox:latest", List.of("true"))
                .limits(new Limits(new ByteSize(512L << 20), new CpuQuota(1_500_000_000L), 64))
                .timeout(Duration.ofMillis(1)).build();
        // a timeout under a second counts as one; 0.5 GiB x 3 = 1.5, rounded up
        assertThat(new RateCard(0, 3, 0).price(brief)).isEqualTo(2);
        assertThat(RateCard.FREE.price(spec)).isZero();
    }
}
