// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import dev.hearth.core.InvalidInputException;
import dev.hearth.sandbox.PoolSettings;
import picocli.CommandLine.Option;

/**
 * The warm-pool options (a picocli mixin) of {@code hearth resident} and {@code hearth agent}: how many started,
 * never-used sandboxes each pool key keeps and how long one is kept unasked. Both commands check them with
 * {@link PoolSettings#parse}, as the agent does its config file's {@code pool-size} and {@code pool-idle} (which the
 * flags override), so their forms and errors are the same; only the default size differs (the resident exists to
 * pool, the agent pools when its operator asks). Used by one command at a time.
 */
final class PoolOptions {

    /** A resident's pool size when --pool-size is not given. */
    static final int RESIDENT_SIZE = 2;
    /** An agent's pool size when --pool-size is not given: its jobs are made cold. */
    static final int AGENT_SIZE = 0;

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
        return PoolSettings.parse("--pool-size", size, "--pool-idle", idle, defaultSize);
    }
}
