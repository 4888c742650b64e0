// SPDX-License-Identifier: Apache-2.0
package dev.hearth.core.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.hearth.core.receipt.Receipt;

/**
 * A job's result ({@code type: job_result}). The first nine fields are Hypernode v2.0's (its error form leaves the
 * hashes and {@code completedAt} null); the rest are Hearth's: the lease epoch, every input of the executionHash
 * (its {@code timestamp}) so the coordinator can recompute both hashes, and the signed receipt.
 *
 * @param id job id
 * @param nodeId the reporting node
 * @param status {@code completed}, {@code failed}, {@code timeout}, {@code oom} or {@code error}
 * @param success whether status is completed
 * @param logs the logs as hashed
 * @param exitCode exit code, -1 when the job never ran
 * @param executionHash SHA-256 per the protocol
 * @param logsHash SHA-256 of logs
 * @param completedAt epoch milliseconds
 * @param epoch lease epoch (Hearth)
 * @param timestamp executionHash's timestamp input (Hearth)
 * @param startedAt epoch milliseconds (Hearth)
 * @param durationMillis run time (Hearth)
 * @param logBytes bytes written in all (Hearth)
 * @param logsTruncated whether logs were cut (Hearth)
 * @param message explanation of the status (Hearth)
 * @param receipt what the node states about the run, signed (Hearth; absent from v2.0 agents)
 * @param signature base64 Ed25519 signature of the receipt by the node's key (Hearth)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobResultMessage(
        String id,
        String nodeId,
        String status,
        boolean success,
        String logs,
        long exitCode,
        String executionHash,
        String logsHash,
        Long completedAt,
        Long epoch,
        String timestamp,
        Long startedAt,
        Long durationMillis,
        Long logBytes,
        Boolean logsTruncated,
        String message,
        Receipt receipt,
        String signature) implements AgentMessage {

    /** This message with its receipt and signature replaced. */
    public JobResultMessage withReceipt(Receipt newReceipt, String newSignature) {
        return new JobResultMessage(id, nodeId, status, success, logs, exitCode, executionHash, logsHash, completedAt,
                epoch, timestamp, startedAt, durationMillis, logBytes, logsTruncated, message, newReceipt,
                newSignature);
    }

    /** This message as sent by another node id (the receipt is left as it is). */
    public JobResultMessage withNodeId(String newNodeId) {
        return new JobResultMessage(id, newNodeId, status, success, logs, exitCode, executionHash, logsHash,
                completedAt, epoch, timestamp, startedAt, durationMillis, logBytes, logsTruncated, message, receipt,
                signature);
    }
}
