// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import dev.hearth.core.InvalidInputException;
import dev.hearth.core.units.DurationText;
import dev.hearth.sandbox.PoolSettings;
import picocli.CommandLine.Option;

/**
 * The warm-pool options (a picocli mixin) of {@code hearth resident} and {@code hearth agent}: how many started,
 * never-used sandboxes each pool key keeps and how long one is kept unasked. Both commands read and check them here,
 * so their forms and errors are the same; only the default size differs (the resident exists to pool, the agent
 * pools when its operator asks). Used by one command at a time.
 */
final class PoolOptions {

    /** A resident's pool size when --pool-size is not given. */
    static final int RESIDENT_SIZE = 2;
    /** An agent's pool size when --pool-size is not given: its jobs are made cold. */
    static final int AGENT_SIZE = 0;
    private static final String SIZE_FORM = "a whole number within 0.." + PoolSettings.MAX_SIZE
            + " (ready sandboxes kept per image and limits; 0 keeps none)";
    private static final String IDLE_FORM = "a duration within 1s..24h, e.g. 10m";

    @Option(names = "--pool-size", paramLabel = "N", description = "Started, never-used sandboxes kept per image and "
            + "limits, 0.." + PoolSettings.MAX_SIZE + " (default: " + RESIDENT_SIZE + " in 'hearth resident'; "
            + AGENT_SIZE + " in 'hearth agent', whose jobs are then all made cold).")
    String size;

    @Option(names = "--pool-idle", paramLabel = "DURATION", description = "A pool nobody used for this long is "
            + "drained, as is a sandbox that waited this long, 1s..24h (default: 10m).")
    String idle;

    /**
     * The pool settings these options give, {@code defaultSize} when --pool-size is not given.
     *
     * @throws InvalidInputException naming --pool-size or --pool-idle and the form it accepts
     */
    PoolSettings settings(int defaultSize) {
        int n = defaultSize;
        if (size != null) {
            try {
                n = Integer.parseInt(size.strip());
            } catch (NumberFormatException e) {
                throw new InvalidInputException("--pool-size", size, SIZE_FORM);
            }
            if (n < 0 || n > PoolSettings.MAX_SIZE) {
                throw new InvalidInputException("--pool-size", size, SIZE_FORM);
            }
        }
        java.time.Duration limit = DurationText.parsePositive("--pool-idle", idle == null ? "10m" : idle);
        try {
            return new PoolSettings(n, limit);
        } catch (InvalidInputException e) {
            throw new InvalidInputException("--pool-idle", idle, IDLE_FORM); // size was checked above
        }
    }
}
