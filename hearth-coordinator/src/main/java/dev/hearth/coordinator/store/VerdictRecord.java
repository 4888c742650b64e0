// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import java.time.Instant;
import java.util.Objects;

/**
 * The oracle's stored verdict on a job's result.
 *
 * @param jobId the job
 * @param epoch the lease epoch of the result
 * @param nodeId the node that sent it
 * @param outcome the verdict ({@link VerdictOutcome#PENDING} while queued)
 * @param failedCheck the name of the first check that failed, or null
 * @param detail what that check found, or null
 * @param checksJson every check (name, outcome, detail) as a JSON array; null while pending
 * @param decidedAt when it was decided; null while pending
 * @param attempts how many verification attempts could not decide (errors), for the retry policy
 * @param flagged why this copy of a redundant job disagrees with the majority, or null
 */
public record VerdictRecord(String jobId, long epoch, String nodeId, VerdictOutcome outcome, String failedCheck,
        String detail, String checksJson, Instant decidedAt, int attempts, String flagged) {

    /** Checks the required fields. */
    public VerdictRecord {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(outcome, "outcome");
    }
}
