package dev.hearth.core.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * The coordinator's answer to a {@code job_result}: the agent removes the result from its outbox on any ack, since
 * a refused result will never be accepted later.
 *
 * @param jobId the job
 * @param epoch the epoch the result carried
 * @param accepted whether it was recorded as the job's one result
 * @param code when refused: a stable {@link ErrorCode} wire name
 * @param reason when refused: human text with the ids and epochs involved
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ResultAck(String jobId, long epoch, boolean accepted, String code, String reason)
        implements CoordinatorMessage {
}
