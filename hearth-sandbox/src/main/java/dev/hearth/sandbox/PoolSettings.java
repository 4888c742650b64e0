// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox;

import dev.hearth.core.InvalidInputException;
import java.time.Duration;

/**
 * How an operator sizes a driver's warm pools: each pool key (image and the settings that shape a sandbox) keeps
 * up to {@code size} started, never-used sandboxes, and a key nobody asked for within {@code idleLimit} is drained,
 * as is a ready sandbox older than that. Immutable.
 *
 * @param size ready sandboxes kept per key, 0..{@value #MAX_SIZE} (0: no pool, every sandbox is made cold)
 * @param idleLimit how long a key, and each ready sandbox, is kept without being asked for, 1s..24h
 */
public record PoolSettings(int size, Duration idleLimit) {

    /** Most ready sandboxes per key: each holds memory reservations, a workspace and engine state. */
    public static final int MAX_SIZE = 16;

    /** No pools at all. */
    public static final PoolSettings NONE = new PoolSettings(0, Duration.ofMinutes(10));

    public PoolSettings {
        if (size < 0 || size > MAX_SIZE) {
            throw new InvalidInputException("pool size", Integer.toString(size),
                    "a whole number within 0.." + MAX_SIZE + " (ready sandboxes kept per image and limits)");
        }
        if (idleLimit == null || idleLimit.compareTo(Duration.ofSeconds(1)) < 0
                || idleLimit.compareTo(Duration.ofHours(24)) > 0) {
            throw new InvalidInputException("pool idle limit", String.valueOf(idleLimit),
                    "a duration within 1s..24h, e.g. 10m");
        }
    }
}
