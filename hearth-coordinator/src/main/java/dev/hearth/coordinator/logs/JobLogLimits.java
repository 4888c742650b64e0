// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.logs;

import java.time.Duration;
import java.util.Objects;

/**
 * Limits of the jobs' full logs.
 *
 * @param maxBytes the most bytes of output kept per job's lease ({@code --job-log-max}, 64 MiB); then a truncation
 *     line and nothing more
 * @param followMax how long one {@code ?follow=1} response streams at most ({@code --log-follow-max}, 10 min); the
 *     client then reconnects with its offset
 */
public record JobLogLimits(long maxBytes, Duration followMax) {

    /** 64 MiB per job, follows of at most 10 minutes. */
    public static final JobLogLimits DEFAULTS = new JobLogLimits(64L << 20, Duration.ofMinutes(10));

    public JobLogLimits {
        Objects.requireNonNull(followMax, "followMax");
        if (maxBytes < 1) {
            throw new IllegalArgumentException("--job-log-max must be at least 1 byte (e.g. 64MiB), got " + maxBytes);
        }
        if (followMax.isNegative() || followMax.isZero()) {
            throw new IllegalArgumentException("--log-follow-max must be a positive duration (e.g. 10m), got "
                    + followMax);
        }
    }
}
