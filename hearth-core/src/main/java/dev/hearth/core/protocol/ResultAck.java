// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The coordinator's answer to a {@code job_result}: the agent removes the result from its outbox on any ack, since
 * a refused result will never be accepted later.
 *
 * @param jobId the job
 * @param epoch the epoch the result carried
 * @param accepted whether it was recorded as the job's one result and the oracle did not refuse it
 * @param code when refused: a stable {@link ErrorCode} wire name
 * @param reason when refused: human text with the ids and epochs involved, or the failed check and why
 * @param verdict the oracle's verdict: {@code passed}, {@code unsigned}, {@code failed}, or {@code pending} while
 *     the result waits in the verification queue; absent when the result was refused before verification
 * @param check when the verdict failed: the name of the first check that failed
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ResultAck(String jobId, long epoch, boolean accepted, String code, String reason, String verdict,
        String check) implements CoordinatorMessage {

    /** An ack without a verdict (a result refused before verification). */
    public ResultAck(String jobId, long epoch, boolean accepted, String code, String reason) {
        this(jobId, epoch, accepted, code, reason, null, null);
    }
}
