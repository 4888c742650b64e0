// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.hearth.core.json.Json;
import dev.hearth.core.protocol.JobResultMessage;
import java.time.Instant;
import java.util.Objects;

/**
 * The one accepted result of a job.
 *
 * @param jobId the job
 * @param epoch the lease epoch it was sent under
 * @param nodeId the node that sent it
 * @param status the job's status as the node reported it ({@code completed}, {@code failed}, {@code timeout}, ...)
 * @param exitCode the process exit code
 * @param resultJson the whole result message as received, JSON (logs, hashes, receipt)
 * @param receivedAt when the coordinator accepted it
 */
public record ResultRecord(String jobId, long epoch, String nodeId, String status, long exitCode, String resultJson,
        Instant receivedAt) {

    /** Checks the required fields. */
    public ResultRecord {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(resultJson, "resultJson");
        Objects.requireNonNull(receivedAt, "receivedAt");
    }

    /**
     * The result message as the node sent it, read from its stored JSON (which only the store writes and reads).
     *
     * @throws IllegalStateException when the stored JSON is unreadable (naming the job)
     */
    public JobResultMessage message() {
        try {
            return Json.mapper().readValue(resultJson, JobResultMessage.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored result of job " + jobId + " is unreadable: "
                    + e.getOriginalMessage(), e);
        }
    }
}
