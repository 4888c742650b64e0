// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.link;

import java.time.Duration;
import java.util.Objects;
import java.util.function.DoubleSupplier;

/**
 * Reconnect delays: exponential from a base (HN_RECONNECT_DELAY) up to a cap, with "equal jitter" so that many
 * agents cut off together do not come back together: each delay is half the exponential step plus a random share
 * of the other half. Not thread-safe; one link owns one.
 */
public final class Backoff {

    private final Duration base;
    private final Duration cap;
    private final DoubleSupplier random;
    private int attempt;

    /**
     * @param base the first step (HN_RECONNECT_DELAY)
     * @param cap the largest delay
     * @param random uniform numbers in [0, 1)
     */
    public Backoff(Duration base, Duration cap, DoubleSupplier random) {
        if (base.isNegative() || base.isZero() || cap.compareTo(base) < 0) {
            throw new IllegalArgumentException("reconnect delay must be positive and at most its cap, got base "
                    + base + " and cap " + cap);
        }
        this.base = base;
        this.cap = cap;
        this.random = Objects.requireNonNull(random, "random");
    }

    /** The delay before the next attempt; each call doubles the step until the cap. */
    public Duration next() {
        long step = base.toMillis() << Math.min(attempt, 20);
        long ceiling = Math.min(step <= 0 ? Long.MAX_VALUE : step, cap.toMillis());
        attempt++;
        long half = ceiling / 2;
        return Duration.ofMillis(half + (long) (random.getAsDouble() * (ceiling - half)));
    }

    /**
     * A random delay below the base, without stepping: agents cut off together that move to another coordinator
     * arrive spread over it rather than all at once.
     */
    public Duration spread() {
        return Duration.ofMillis((long) (random.getAsDouble() * base.toMillis()));
    }

    /** Starts again from the base, after a connection that worked. */
    public void reset() {
        attempt = 0;
    }
}
