// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store.sql;

import dev.hearth.coordinator.store.EventRecord;
import dev.hearth.coordinator.store.WebhookDelivery;
import dev.hearth.coordinator.store.WebhookEndpoint;
import dev.hearth.coordinator.store.Webhooks;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** {@link Webhooks} over SQL. Thread-safe as its transactions are. */
final class SqlWebhooks implements Webhooks {

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    private final Transactions tx;
    private final InstantSource clock;

    SqlWebhooks(Transactions tx, InstantSource clock) {
        this.tx = tx;
        this.clock = clock;
    }

    @Override
    public WebhookEndpoint register(String owner, String url, String secret) {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(secret, "secret");
        byte[] id = new byte[8];
        RANDOM.nextBytes(id);
        String endpointId = "wh_" + HexFormat.of().formatHex(id);
        return tx.write("register webhook " + endpointId + " of " + owner,
                c -> WebhookTable.register(c, endpointId, owner, url, secret, now()));
    }

    @Override
    public List<WebhookEndpoint> endpoints() {
        return tx.read("list webhooks", WebhookTable::endpoints);
    }

    @Override
    public Optional<WebhookEndpoint> endpoint(String id) {
        return tx.read("read webhook " + id, c -> WebhookTable.endpoint(c, id));
    }

    @Override
    public boolean remove(String id) {
        return tx.write("remove webhook " + id, c -> WebhookTable.remove(c, id));
    }

    @Override
    public int enqueue(String messageId, String owner, String nodeId, String eventType, String payload) {
        return tx.write("enqueue " + eventType + " " + messageId, c -> {
            Instant now = now();
            EventTable.record(c, messageId, owner, nodeId, eventType, payload, now); // the same transaction
            return WebhookTable.enqueue(c, messageId, owner, eventType, payload, now);
        });
    }

    @Override
    public int enqueueAll(List<Event> events) {
        if (events.isEmpty()) {
            return 0;
        }
        return tx.write("enqueue " + events.size() + " events", c -> {
            Instant now = now();
            int written = 0;
            for (Event e : events) {
                EventTable.record(c, e.messageId(), e.owner(), e.nodeId(), e.eventType(), e.payload(), now);
                written += WebhookTable.enqueue(c, e.messageId(), e.owner(), e.eventType(), e.payload(), now);
            }
            return written;
        });
    }

    @Override
    public List<EventRecord> eventsAfter(long seq, int max) {
        return tx.read("read events after " + seq, c -> EventTable.after(c, seq, max));
    }

    @Override
    public long firstEventSeq() {
        return tx.read("read the oldest event", EventTable::first);
    }

    @Override
    public long lastEventSeq() {
        return tx.read("read the newest event", EventTable::last);
    }

    @Override
    public List<WebhookDelivery> due(Instant now, int max) {
        return tx.read("list due webhook deliveries", c -> WebhookTable.due(c, now, max));
    }

    @Override
    public void delivered(String messageId, String endpointId, Instant at) {
        tx.write("webhook " + messageId + " delivered to " + endpointId,
                c -> {
                    WebhookTable.delivered(c, messageId, endpointId, at);
                    return null;
                });
    }

    @Override
    public void failed(String messageId, String endpointId, String error, Optional<Instant> next) {
        Instant now = now();
        tx.write("webhook " + messageId + " failed at " + endpointId, c -> {
            WebhookTable.failed(c, messageId, endpointId, error, next, now);
            return null;
        });
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
