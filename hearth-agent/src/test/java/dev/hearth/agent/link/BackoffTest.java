// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Reconnect backoff doubles from the base to the cap, with jitter in the upper half of each step")
class BackoffTest {

    @Test
    @DisplayName("without jitter's randomness the steps are half of base, 2 base, 4 base... up to half the cap")
    void lowestDelays() {
        Backoff b = new Backoff(Duration.ofSeconds(5), Duration.ofSeconds(60), () -> 0.0);
        assertThat(b.next()).isEqualTo(Duration.ofMillis(2500));
        assertThat(b.next()).isEqualTo(Duration.ofSeconds(5));
        assertThat(b.next()).isEqualTo(Duration.ofSeconds(10));
        assertThat(b.next()).isEqualTo(Duration.ofSeconds(20));
        assertThat(b.next()).isEqualTo(Duration.ofSeconds(30));
        for (int i = 0; i < 100; i++) {
            assertThat(b.next()).isEqualTo(Duration.ofSeconds(30));
        }
    }

    @Test
    @DisplayName("the largest draw reaches the full step and never passes the cap; reset starts again")
    void highestDelaysAndReset() {
        Backoff b = new Backoff(Duration.ofSeconds(5), Duration.ofSeconds(60), () -> 0.999999);
        assertThat(b.next()).isBetween(Duration.ofMillis(4990), Duration.ofSeconds(5));
        assertThat(b.next()).isBetween(Duration.ofMillis(9990), Duration.ofSeconds(10));
        for (int i = 0; i < 70; i++) {
            assertThat(b.next()).isLessThanOrEqualTo(Duration.ofSeconds(60));
        }
        b.reset();
        assertThat(b.next()).isLessThanOrEqualTo(Duration.ofSeconds(5));
    }

    @Test
    @DisplayName("agents cut off together spread their returns")
    void jitterSpreads() {
        java.util.Random r = new java.util.Random(42);
        java.util.Set<Duration> seen = new java.util.HashSet<>();
        for (int i = 0; i < 50; i++) {
            Backoff b = new Backoff(Duration.ofSeconds(5), Duration.ofSeconds(60), r::nextDouble);
            seen.add(b.next());
        }
        assertThat(seen.size()).isGreaterThan(40);
    }

    @Test
    @DisplayName("a base of zero or a cap below the base is refused")
    void badSettings() {
        assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), () -> 0))
                .hasMessageContaining("reconnect delay must be positive");
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(5), Duration.ofSeconds(1), () -> 0))
                .hasMessageContaining("at most its cap");
    }
}
