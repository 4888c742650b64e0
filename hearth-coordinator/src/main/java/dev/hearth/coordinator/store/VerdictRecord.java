// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.hearth.core.json.Json;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
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

    /** The checks as JSON: {@code [{"name":..,"outcome":"holds|fails|skipped","detail":..}, ...]}. */
    public static String checksJson(List<Check> checks) {
        ArrayNode out = Json.mapper().createArrayNode();
        checks.forEach(c -> out.addObject().put("name", c.name()).put("outcome", c.outcome().wireName())
                .put("detail", c.detail()));
        return out.toString();
    }

    /** The checks, read from their stored JSON; none when there is no text. */
    public List<Check> checks() {
        String json = checksJson;
        if (json == null || json.isBlank()) {
            return List.of();
        }
        try {
            List<Map<String, String>> rows = Json.mapper().readValue(json, new TypeReference<>() { });
            return rows.stream().map(m -> new Check(m.get("name"),
                    Check.Outcome.valueOf(m.get("outcome").toUpperCase(java.util.Locale.ROOT)),
                    String.valueOf(m.get("detail")))).toList();
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("stored checks are not readable: " + e.getOriginalMessage(), e);
        }
    }
}
