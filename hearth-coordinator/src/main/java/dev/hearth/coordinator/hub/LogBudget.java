// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.hub;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.OptionalLong;

/**
 * A budget of log lines per window, so that a peer sending garbage cannot flood the coordinator's log: up to
 * {@code perWindow} lines pass in each window; the rest are counted, and the first line of the next window says how
 * many were suppressed. Thread-safe.
 */
final class LogBudget {

    private final int perWindow;
    private final Duration window;
    private final InstantSource clock;
    private Instant windowStart = Instant.MIN;
    private int used;
    private long suppressed;

    LogBudget(int perWindow, Duration window, InstantSource clock) {
        this.perWindow = perWindow;
        this.window = window;
        this.clock = clock;
    }

    /**
     * Takes one line from the budget: empty when the line must be suppressed, else the count of lines suppressed
     * since the last one that passed (0 when none).
     */
    synchronized OptionalLong take() {
        Instant now = clock.instant();
        if (!now.isBefore(windowStart.plus(window))) {
            windowStart = now;
            used = 0;
        }
        if (used >= perWindow) {
            suppressed++;
            return OptionalLong.empty();
        }
        used++;
        long skipped = suppressed;
        suppressed = 0;
        return OptionalLong.of(skipped);
    }
}
