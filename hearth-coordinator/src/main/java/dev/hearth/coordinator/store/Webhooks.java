// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The webhook endpoints callers registered and the durable outbox of their deliveries: an event is written once
 * per matching endpoint and stays until the receiver answered 2xx or the sender gave up. Thread-safe.
 */
public interface Webhooks {

    /** Registers an endpoint. */
    WebhookEndpoint register(String owner, String url, String secret);

    /** Every endpoint, by creation time. */
    List<WebhookEndpoint> endpoints();

    /** One endpoint. */
    Optional<WebhookEndpoint> endpoint(String id);

    /** Removes an endpoint and its undelivered messages; false when there was none. */
    boolean remove(String id);

    /**
     * Writes the event for every endpoint of {@code owner} and every admin's endpoint, once per message id (a
     * second write of the same message is ignored).
     *
     * @return how many deliveries were written
     */
    default int enqueue(String messageId, String owner, String eventType, String payload) {
        return enqueue(messageId, owner, null, eventType, payload);
    }

    /**
     * As {@link #enqueue(String, String, String, String)}, and keeps the event once for {@code GET /v1/events}
     * ({@link #eventsAfter}) in the same transaction, whether or not any endpoint listens.
     *
     * @param nodeId the node the job or instance is on, or null (its operator sees the event)
     * @return how many deliveries were written
     */
    int enqueue(String messageId, String owner, String nodeId, String eventType, String payload);

    /**
     * An event to write with {@link #enqueueAll}; the fields as
     * {@link #enqueue(String, String, String, String, String)} takes them.
     */
    record Event(String messageId, String owner, String nodeId, String eventType, String payload) {
    }

    /**
     * Writes {@code events} as {@link #enqueue(String, String, String, String, String)} does each, all in one
     * transaction (a scheduling pass's {@code job.leased} events: one write, not one per lease).
     *
     * @return how many deliveries were written
     */
    default int enqueueAll(java.util.List<Event> events) {
        int written = 0;
        for (Event e : events) {
            written += enqueue(e.messageId(), e.owner(), e.nodeId(), e.eventType(), e.payload());
        }
        return written;
    }

    /** Up to {@code max} kept events after {@code seq}, in order. */
    List<EventRecord> eventsAfter(long seq, int max);

    /** The oldest kept event's seq (the replay window's start), 0 when none is kept. */
    long firstEventSeq();

    /** The newest event's seq, 0 when there is none. */
    long lastEventSeq();

    /** Up to {@code max} deliveries due at {@code now}, oldest first. */
    List<WebhookDelivery> due(Instant now, int max);

    /** The receiver answered 2xx. */
    void delivered(String messageId, String endpointId, Instant at);

    /** An attempt failed: retry at {@code next}, or give up when it is empty. */
    void failed(String messageId, String endpointId, String error, Optional<Instant> next);
}
