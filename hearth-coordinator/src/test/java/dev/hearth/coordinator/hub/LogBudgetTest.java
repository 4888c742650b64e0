// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.hub;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.OptionalLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The log budget for lines about bad peers")
class LogBudgetTest {

    private Instant now = Instant.parse("2026-12-06T20:00:00Z");
    private final InstantSource clock = () -> now;

    @Test
    @DisplayName("passes its lines per window, suppresses the rest, and the first line of the next window counts them")
    void boundsLinesAndCountsSuppressed() {
        LogBudget budget = new LogBudget(3, Duration.ofSeconds(10), clock);
        for (int i = 0; i < 3; i++) {
            assertThat(budget.take()).isEqualTo(OptionalLong.of(0));
        }
        for (int i = 0; i < 1000; i++) {
            assertThat(budget.take()).isEmpty();
        }
        now = now.plusSeconds(10);
        assertThat(budget.take()).isEqualTo(OptionalLong.of(1000));
        assertThat(budget.take()).isEqualTo(OptionalLong.of(0));
    }
}
