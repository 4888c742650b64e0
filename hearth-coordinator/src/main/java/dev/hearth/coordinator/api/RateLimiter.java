// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.api;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * API calls per minute per caller, in one-minute windows that start at a caller's first call after the last window
 * ended, kept in memory (a restart forgets them). Thread-safe.
 */
final class RateLimiter {

    private static final Duration WINDOW = Duration.ofMinutes(1);

    private record Window(Instant start, int calls) {
    }

    private final InstantSource clock;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();

    RateLimiter(InstantSource clock) {
        this.clock = clock;
    }

    /**
     * Counts a call by {@code caller} against {@code perMinute} (0: no limit).
     *
     * @return empty when the call may go ahead, else how long until the window ends
     */
    java.util.Optional<Duration> take(String caller, int perMinute) {
        if (perMinute <= 0) {
            return java.util.Optional.empty();
        }
        Instant now = clock.instant();
        Window w = windows.compute(caller, (k, old) -> old == null || !now.isBefore(old.start().plus(WINDOW))
                ? new Window(now, 1) : new Window(old.start(), old.calls() + 1));
        if (w.calls() <= perMinute) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(Duration.between(now, w.start().plus(WINDOW)));
    }
}
