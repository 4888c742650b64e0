// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.webhook;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hearth.coordinator.store.Hold;
import dev.hearth.coordinator.store.JobRecord;
import dev.hearth.coordinator.store.Store;
import dev.hearth.coordinator.store.Webhooks;
import dev.hearth.core.json.Json;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes {@code job.*} and {@code instance.*} events into the webhook outbox, for the endpoints of the job's or
 * instance's owner and every admin's, then wakes the sender. A job event is {@code job.<state>} of the job as the
 * store holds it when told: {@code job.queued} on submit (and again when a lease is taken back), {@code job.leased}
 * when placed, {@code job.running} when its node starts it, {@code job.verifying} when its result is accepted,
 * {@code job.completed}, {@code job.failed} or {@code job.cancelled} when it ends; an instance event is {@code instance.<action>} ({@code created},
 * {@code started}, {@code stopped}, {@code restarted}, {@code paused}, {@code resumed}, {@code destroyed}) or
 * {@code instance.failed}. A message id is
 * derived from what it reports, so telling the same change twice writes it once. Each event is also kept for
 * {@code GET /v1/events} in the same transaction. Thread-safe.
 */
public final class WebhookEvents {

    private static final Logger log = LoggerFactory.getLogger(WebhookEvents.class);

    private final Store store;
    private final InstantSource clock;
    private final Runnable wake;

    /** Events into {@code store}'s outbox; {@code wake} asks the sender for a pass. */
    public WebhookEvents(Store store, InstantSource clock, Runnable wake) {
        this.store = store;
        this.clock = clock;
        this.wake = wake;
    }

    /** Job {@code jobId} changed: its current state goes to its owner's endpoints. Never throws. */
    public void job(String jobId) {
        jobs(List.of(jobId));
    }

    /**
     * Jobs {@code jobIds} changed (a scheduling pass leased them): their current states go to their owners' endpoints
     * in one write. Never throws.
     */
    public void jobs(List<String> jobIds) {
        try {
            List<Webhooks.Event> events = new ArrayList<>(jobIds.size());
            for (String id : jobIds) {
                jobEvent(id).ifPresent(events::add);
            }
            if (store.webhooks().enqueueAll(events) > 0) {
                wake.run();
            }
        } catch (RuntimeException e) {
            log.error("the webhook events of {} jobs were not written: {}", jobIds.size(), jobIds, e);
        }
    }

    /**
     * Jobs {@code submitted} were queued: their {@code job.queued} events from the records as the submit wrote them,
     * not as the store holds them now (a scheduling pass may have leased them meanwhile, and the lease's own event
     * would then stand for both). Never throws.
     */
    public void submitted(List<JobRecord> submitted) {
        try {
            List<Webhooks.Event> events = new ArrayList<>(submitted.size());
            for (JobRecord j : submitted) {
                store.ledger().hold(j.id()).map(Hold::accountId).ifPresent(owner -> events.add(jobEvent(j, owner)));
            }
            if (store.webhooks().enqueueAll(events) > 0) {
                wake.run();
            }
        } catch (RuntimeException e) {
            log.error("the webhook events of {} submitted jobs were not written", submitted.size(), e);
        }
    }

    private Optional<Webhooks.Event> jobEvent(String jobId) {
        Optional<JobRecord> job = store.job(jobId);
        Optional<String> owner = store.ledger().hold(jobId).map(Hold::accountId);
        if (job.isEmpty() || owner.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(jobEvent(job.get(), owner.get()));
    }

    /** The event of job {@code j} as this record has it, for {@code owner}: {@code job.<state>}. */
    private Webhooks.Event jobEvent(JobRecord j, String owner) {
        String state = j.state().name().toLowerCase(Locale.ROOT);
        ObjectNode data = Json.mapper().createObjectNode().put("id", j.id()).put("state", state)
                .put("attempts", j.attempts()).put("epoch", j.epoch()).put("updatedAt", j.updatedAt().toString());
        if (j.reason() != null) {
            data.put("reason", j.reason());
        }
        if (j.nodeId() != null) {
            data.put("nodeId", j.nodeId());
        }
        return event(owner, j.nodeId(), "job." + state, data, j.id() + "/" + state + "/" + j.epoch());
    }

    /**
     * An instance command ended: {@code instance.<action as done>} or {@code instance.failed} to the owner's
     * endpoints. Never throws.
     */
    public void instance(String owner, String requestId, String nodeId, String instanceId, String action, boolean ok,
            String error) {
        try {
            String type = "instance." + (!ok ? "failed" : switch (action) {
                case "create" -> "created";
                case "stop" -> "stopped";
                case "pause" -> "paused";
                case "resume" -> "resumed";
                case "destroy" -> "destroyed";
                default -> action + "ed";
            });
            ObjectNode data = Json.mapper().createObjectNode().put("nodeId", nodeId).put("id", instanceId)
                    .put("action", action).put("requestId", requestId);
            if (error != null) {
                data.put("error", error);
            }
            emit(owner, nodeId, type, data, requestId + "/" + type);
        } catch (RuntimeException e) {
            log.error("instance request {}'s webhook event was not written", requestId, e);
        }
    }

    private void emit(String owner, String nodeId, String type, ObjectNode data, String identity) {
        Webhooks.Event e = event(owner, nodeId, type, data, identity);
        if (store.webhooks().enqueue(e.messageId(), e.owner(), e.nodeId(), e.eventType(), e.payload()) > 0) {
            wake.run();
        }
    }

    private Webhooks.Event event(String owner, String nodeId, String type, ObjectNode data, String identity) {
        String id = "msg_" + digest(type + "|" + identity);
        ObjectNode payload = Json.mapper().createObjectNode().put("type", type)
                .put("timestamp", clock.instant().toString());
        payload.set("data", data);
        return new Webhooks.Event(id, owner, nodeId, type, payload.toString());
    }

    private static String digest(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8))).substring(0, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
