// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import java.time.Instant;
import java.util.Objects;

/**
 * One job or instance event as the outbox keeps it for {@code GET /v1/events}.
 *
 * @param seq its place in the order of all events (the SSE {@code id:})
 * @param id its message id (the webhook's {@code webhook-id})
 * @param owner the account it belongs to ({@code client:NAME})
 * @param nodeId the node the job or instance was on, or null
 * @param type {@code job.<state>} or {@code instance.<action>}
 * @param payload the Standard Webhooks body the endpoints get
 * @param createdAt when it was written
 */
public record EventRecord(long seq, String id, String owner, String nodeId, String type, String payload,
        Instant createdAt) {

    /** Checks the fields are there. */
    public EventRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(createdAt, "createdAt");
    }
}
