// SPDX-License-Identifier: Apache-2.0
package dev.hearth.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;
import java.util.Set;

/**
 * A job as the coordinator shows it at one moment ({@code GET /v1/jobs/{id}}): its state and, once it has one, its
 * result. {@link #json()} keeps the whole document (verdict, copies, price) for callers that show more. Immutable.
 *
 * @param id the job's id
 * @param state {@code queued}, {@code leased}, {@code running}, {@code verifying}, {@code completed},
 *     {@code failed}, {@code cancelled} or {@code unplaceable}
 * @param reason why it is in that state, or null
 * @param nodeId the node it runs or ran on, or null
 * @param epoch its lease epoch
 * @param attempts how often it was placed
 * @param json the coordinator's whole document of the job
 */
public record JobInfo(String id, String state, String reason, String nodeId, long epoch, int attempts,
        JsonNode json) {

    /** The states a job never leaves. */
    public static final Set<String> FINAL = Set.of("completed", "failed", "cancelled");

    static JobInfo of(JsonNode j) {
        return new JobInfo(j.path("id").asText(), j.path("state").asText(), j.path("reason").asText(null),
                j.path("nodeId").asText(null), j.path("epoch").asLong(), j.path("attempts").asInt(), j);
    }

    /** Whether the job ended (completed, failed or cancelled). */
    public boolean isFinal() {
        return FINAL.contains(state);
    }

    /** The result's status ({@code completed}, {@code failed}, {@code timeout}, {@code oom}, {@code error}), once it has one. */
    public Optional<String> resultStatus() {
        JsonNode r = json.path("result");
        return r.hasNonNull("status") ? Optional.of(r.get("status").asText()) : Optional.empty();
    }

    /** The job's exit code, once it has a result. */
    public Optional<Long> exitCode() {
        JsonNode r = json.path("result");
        return r.hasNonNull("exitCode") ? Optional.of(r.get("exitCode").asLong()) : Optional.empty();
    }
}
