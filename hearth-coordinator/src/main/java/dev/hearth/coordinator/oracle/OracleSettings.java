// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.oracle;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a coordinator's oracle runs.
 *
 * @param policy the operator's unsigned, timing and completion settings
 * @param listeners who hears each verdict (the ledger), in order
 * @param startPaused whether the verification queue starts paused: results are accepted and queued but not judged
 *     until {@link VerificationQueue#resume()}; for tests of the durable queue
 * @param maxAttempts how many verification attempts may end in an error (not a failed check) before the result gets
 *     a {@code failed} verdict on the check {@code oracle} and its job's hold is refunded (1 or more; default 5)
 * @param firstRetry the delay before the second attempt, doubled for each later one (up to 5 minutes)
 */
public record OracleSettings(OraclePolicy policy, List<VerdictListener> listeners, boolean startPaused,
        int maxAttempts, Duration firstRetry) {

    /** Attempts that may end in an error before a result fails: enough to ride out a brief fault, few enough to end. */
    public static final int DEFAULT_MAX_ATTEMPTS = 5;

    /** The defaults: {@link OraclePolicy#DEFAULTS}, no listeners, running, 5 attempts, retried after 1 s and on. */
    public static final OracleSettings DEFAULTS = new OracleSettings(OraclePolicy.DEFAULTS, List.of(), false);

    public OracleSettings {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(firstRetry, "firstRetry");
        listeners = List.copyOf(listeners);
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("oracle max attempts must be 1 or more, got " + maxAttempts);
        }
        if (firstRetry.isNegative() || firstRetry.isZero()) {
            throw new IllegalArgumentException("oracle first retry must be positive, got " + firstRetry);
        }
    }

    /** Settings with the default attempts ({@value #DEFAULT_MAX_ATTEMPTS}) and first retry (1 s). */
    public OracleSettings(OraclePolicy policy, List<VerdictListener> listeners, boolean startPaused) {
        this(policy, listeners, startPaused, DEFAULT_MAX_ATTEMPTS, Duration.ofSeconds(1));
    }

    /** These settings with another policy. */
    public OracleSettings withPolicy(OraclePolicy newPolicy) {
        return new OracleSettings(newPolicy, listeners, startPaused, maxAttempts, firstRetry);
    }

    /** These settings with another bound on attempts and first retry delay. */
    public OracleSettings withAttempts(int attempts, Duration retry) {
        return new OracleSettings(policy, listeners, startPaused, attempts, retry);
    }
}
