// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.oracle;

import dev.hearth.coordinator.store.Check;
import dev.hearth.core.InvalidInputException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;

/** When a run's times are plausible. */
public enum TimingPolicy {

    /**
     * The default: the run ended after it started, lasted no longer than its timeout plus the stop grace and a
     * minute, and did not end in the future (more than {@link #CLOCK_SKEW} after the coordinator received it) nor
     * before its lease was granted (less {@link #CLOCK_SKEW}). Results that carry no start time (v2.0) are judged
     * by the end time only.
     */
    LENIENT,

    /**
     * The original Hypernode oracle's rule: from the job's submission to the result's completedAt took more than
     * 1 s and less than 2 x the job's estimated time (3600 s when it gave none).
     */
    HYPERNODE;

    /** How far node and coordinator clocks may disagree. */
    static final Duration CLOCK_SKEW = Duration.ofMinutes(5);
    /** What a run may take beyond its timeout: the stop grace (10 s) and a minute for sandbox start and removal. */
    static final Duration OVERRUN = Duration.ofSeconds(70);
    /** The original's estimated time when a job gives none. */
    static final long DEFAULT_ESTIMATE_SECONDS = 3600;

    /** The times of one run, as the oracle knows them. */
    record Times(Instant submittedAt, Instant grantedAt, Instant receivedAt, Instant startedAt, Instant finishedAt,
            long timeoutSeconds, long estimatedSeconds) {
    }

    /** The {@code timing} check of a run. */
    Check judge(Times t) {
        return switch (this) {
            case LENIENT -> lenient(t);
            case HYPERNODE -> hypernode(t);
        };
    }

    private static Check lenient(Times t) {
        if (t.finishedAt() == null) {
            return Check.skipped("timing", "the result carries no end time");
        }
        if (t.finishedAt().isAfter(t.receivedAt().plus(CLOCK_SKEW))) {
            return Check.fails("timing", "the run ended at " + t.finishedAt() + ", after the coordinator received it at "
                    + t.receivedAt() + " (more than " + CLOCK_SKEW.toMinutes() + " min of clock skew)");
        }
        if (t.grantedAt() != null && t.finishedAt().isBefore(t.grantedAt().minus(CLOCK_SKEW))) {
            return Check.fails("timing", "the run ended at " + t.finishedAt() + ", before its lease was granted at "
                    + t.grantedAt());
        }
        if (t.startedAt() == null) {
            return Check.holds("timing", "ended at " + t.finishedAt() + ", within its lease (no start time sent)");
        }
        Duration took = Duration.between(t.startedAt(), t.finishedAt());
        if (took.isNegative()) {
            return Check.fails("timing", "the run ended at " + t.finishedAt() + ", before it started at "
                    + t.startedAt());
        }
        Duration limit = Duration.ofSeconds(t.timeoutSeconds()).plus(OVERRUN);
        return Check.of("timing", took.compareTo(limit) <= 0, "ran " + took.toMillis() + " ms; the limit is "
                + limit.toSeconds() + " s (timeout " + t.timeoutSeconds() + " s + " + OVERRUN.toSeconds() + " s)");
    }

    private static Check hypernode(Times t) {
        if (t.finishedAt() == null) {
            return Check.fails("timing", "the result carries no completedAt (policy hypernode)");
        }
        long estimate = t.estimatedSeconds() > 0 ? t.estimatedSeconds() : DEFAULT_ESTIMATE_SECONDS;
        Duration took = Duration.between(t.submittedAt(), t.finishedAt());
        boolean holds = took.compareTo(Duration.ofSeconds(1)) > 0 && took.compareTo(Duration.ofSeconds(2 * estimate)) < 0;
        return Check.of("timing", holds, "submission to completion took " + took.toMillis() + " ms; policy hypernode "
                + "wants more than 1 s and less than " + 2 * estimate + " s (2 x estimated time " + estimate + " s)");
    }

    /** The setting's text: {@code lenient}, {@code hypernode}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Reads a policy name.
     *
     * @throws InvalidInputException naming {@code field} when it is not one
     */
    public static TimingPolicy parse(String field, String text) {
        return Arrays.stream(values()).filter(p -> p.wireName().equals(text == null ? null : text.strip()))
                .findFirst().orElseThrow(() -> new InvalidInputException(field, text, "lenient or hypernode"));
    }
}
