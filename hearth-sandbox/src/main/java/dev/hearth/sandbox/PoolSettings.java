// SPDX-License-Identifier: Apache-2.0
package dev.hearth.sandbox;

import dev.hearth.core.InvalidInputException;
import dev.hearth.core.units.DurationText;
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

    private static final String SIZE_FORM = "a whole number within 0.." + MAX_SIZE
            + " (ready sandboxes kept per image and limits; 0 keeps none)";
    private static final String IDLE_FORM = "a duration within 1s..24h, e.g. 10m";

    public PoolSettings {
        if (size < 0 || size > MAX_SIZE) {
            throw new InvalidInputException("pool size", Integer.toString(size), SIZE_FORM);
        }
        if (idleLimit == null || idleLimit.compareTo(Duration.ofSeconds(1)) < 0
                || idleLimit.compareTo(Duration.ofHours(24)) > 0) {
            throw new InvalidInputException("pool idle limit", String.valueOf(idleLimit), IDLE_FORM);
        }
    }

    /**
     * The settings an operator wrote, in the form of {@code --pool-size} and {@code --pool-idle}: the one check and
     * error text of every place that takes them (the flags of {@code hearth agent} and {@code hearth resident}, the
     * agent's config file).
     *
     * @param sizeField where {@code size} came from, named in its error ({@code --pool-size}, a file's key)
     * @param size a whole number within 0..{@value #MAX_SIZE}, or null for {@code defaultSize}
     * @param idleField where {@code idle} came from, named in its error
     * @param idle a duration within 1s..24h ({@code 10m}), or null for 10 minutes
     * @param defaultSize the size when {@code size} is null
     * @throws InvalidInputException naming {@code sizeField} or {@code idleField} and the form it accepts
     */
    public static PoolSettings parse(String sizeField, String size, String idleField, String idle, int defaultSize) {
        int n = defaultSize;
        if (size != null) {
            try {
                n = Integer.parseInt(size.strip());
            } catch (NumberFormatException e) {
                throw new InvalidInputException(sizeField, size, SIZE_FORM);
            }
            if (n < 0 || n > MAX_SIZE) {
                throw new InvalidInputException(sizeField, size, SIZE_FORM);
            }
        }
        Duration limit = idle == null ? NONE.idleLimit() : DurationText.parsePositive(idleField, idle);
        try {
            return new PoolSettings(n, limit);
        } catch (InvalidInputException e) {
            throw new InvalidInputException(idleField, idle, IDLE_FORM); // the size was checked above
        }
    }
}
