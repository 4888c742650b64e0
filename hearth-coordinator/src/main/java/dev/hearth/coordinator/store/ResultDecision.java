// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import java.util.Objects;
import java.util.Optional;

/**
 * What a judged result makes of its job, all written in the transaction that accepts it
 * ({@link Store#commitResults}): the verdict, the job's final state with its reason, and where its hold goes.
 *
 * @param verdict the oracle's verdict (its outcome must not be pending); written as {@link Store#decideVerdict} does
 * @param jobState the job's final state
 * @param reason why the job ended so, or null
 * @param payTo the node the hold is released to, or empty to refund it to the submitter
 */
public record ResultDecision(VerdictRecord verdict, JobState jobState, String reason, Optional<String> payTo) {

    /** Checks that the decision decides: a verdict that is not pending, a final state. */
    public ResultDecision {
        Objects.requireNonNull(verdict, "verdict");
        Objects.requireNonNull(jobState, "jobState");
        Objects.requireNonNull(payTo, "payTo");
        if (verdict.outcome() == VerdictOutcome.PENDING || !jobState.isFinal()) {
            throw new IllegalArgumentException("a decision on job " + verdict.jobId() + " must decide (got "
                    + verdict.outcome() + ") and end the job in a final state (got " + jobState + ")");
        }
    }
}
