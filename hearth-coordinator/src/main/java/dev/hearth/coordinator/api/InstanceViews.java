// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hearth.coordinator.hub.InstanceRelay;
import dev.hearth.coordinator.hub.InstanceRequest;
import dev.hearth.core.json.Json;
import dev.hearth.core.units.DurationText;
import dev.hearth.core.protocol.InstanceResult;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerResponse;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The JSON of instance commands, and the answer to a command once it ended or its wait ran out. */
final class InstanceViews {

    /** How long a command's answer waits for the node by default before it answers 202 with the request. */
    static final Duration DEFAULT_WAIT = Duration.ofSeconds(30);
    /** How long a read of an instance's log waits for the node before it answers 504. */
    static final Duration LOG_WAIT = Duration.ofSeconds(10);
    /** The longest wait a request may ask for. */
    static final Duration MAX_WAIT = Duration.ofMinutes(10);

    private InstanceViews() {
    }

    /** A request as {@code GET /v1/instances/requests/{id}} shows it. */
    static ObjectNode request(InstanceRequest r) {
        ObjectNode v = Json.mapper().createObjectNode().put("requestId", r.id()).put("nodeId", r.nodeId())
                .put("instanceId", r.instanceId()).put("action", r.action()).put("createdAt", r.createdAt().toString());
        var result = r.done();
        v.put("state", result.isEmpty() ? "pending" : result.get().ok() ? "done" : "failed");
        var steps = v.putArray("steps");
        r.steps().forEach(s -> steps.addObject().put("step", s.step()).put("at", s.at().toString()));
        if (r.droppedSteps() > 0) {
            v.put("droppedSteps", r.droppedSteps());
        }
        result.ifPresent(res -> {
            if (res.instance() != null) {
                v.set("instance", Json.mapper().valueToTree(res.instance()));
            }
            if (!res.ok()) {
                ObjectNode e = v.putObject("error").put("code", res.code());
                if (res.field() != null) {
                    e.put("field", res.field());
                }
                e.put("message", res.message());
            }
        });
        return v;
    }

    /**
     * Waits up to {@code wait} for the node's answer, then answers: {@code success} with the request when it did
     * what was asked; the node's refusal as an error document; 202 with the request (and where to poll it) while
     * the node still works. The ticket keeps a 2xx answer for retries with the request's Idempotency-Key.
     */
    static void answer(ServerResponse res, InstanceRequest r, Duration wait, int success,
            IdempotentRequests.Ticket ticket) {
        try {
            r.result().get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            String location = "/v1/instances/requests/" + r.id();
            String body = JsonResponses.text(request(r));
            ticket.complete(202, body, location);
            res.header(HeaderNames.LOCATION, location);
            JsonResponses.sendText(res, 202, body);
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            JsonResponses.error(res, 503, "interrupted", "the coordinator is stopping; poll /v1/instances/requests/"
                    + r.id());
            return;
        } catch (ExecutionException e) {
            throw new IllegalStateException("instance requests complete only with a result", e);
        }
        InstanceResult result = r.done().orElseThrow();
        if (result.ok()) {
            String body = JsonResponses.text(request(r));
            ticket.complete(success, body, null);
            JsonResponses.sendText(res, success, body);
            return;
        }
        refuse(res, r, result);
    }

    /**
     * Waits up to {@link #LOG_WAIT} for a log read's answer, then answers 200 with the tail as text, the node's
     * refusal as an error document, or 504 {@code node_timeout}. The request is forgotten either way.
     */
    static void answerLog(ServerResponse res, InstanceRelay relay, InstanceRequest r) {
        InstanceResult result;
        try {
            result = r.result().get(LOG_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            JsonResponses.error(res, 504, "node_timeout", "node " + r.nodeId() + " did not send the log of instance "
                    + r.instanceId() + " within " + DurationText.format(LOG_WAIT) + "; try again, or read it on the node"
                    + " with 'hearth instance logs " + r.instanceId() + "'");
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            JsonResponses.error(res, 503, "interrupted", "the coordinator is stopping");
            return;
        } catch (ExecutionException e) {
            throw new IllegalStateException("instance requests complete only with a result", e);
        } finally {
            relay.forget(r.id());
        }
        if (result.ok()) {
            res.header(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8").header(HeaderNames.CACHE_CONTROL,
                    "no-store").send(result.log() == null ? "" : result.log());
            return;
        }
        refuse(res, r, result);
    }

    private static void refuse(ServerResponse res, InstanceRequest r, InstanceResult result) {
        int status = switch (result.code() == null ? "" : result.code()) {
            case "invalid_input" -> 400;
            case "unknown_instance" -> 404;
            case "unsupported" -> 409;
            case InstanceRelay.NODE_DISCONNECTED -> 503;
            default -> 502;
        };
        ObjectNode body = Json.mapper().createObjectNode()
                .put("error", status == 502 ? "instance_failed" : result.code());
        if (result.field() != null) {
            body.put("field", result.field());
        }
        body.put("message", result.message()).put("requestId", r.id()).set("request", request(r));
        JsonResponses.send(res, status, body);
    }
}
