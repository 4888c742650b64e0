// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.hearth.coordinator.hub.AgentHub;
import dev.hearth.coordinator.hub.InstanceRelay;
import dev.hearth.coordinator.hub.InstanceRequest;
import dev.hearth.coordinator.webhook.WebhookEvents;
import dev.hearth.coordinator.hub.NodeInventory;
import dev.hearth.coordinator.hub.NodeSession;
import dev.hearth.coordinator.store.ClientRecord;
import dev.hearth.coordinator.store.InstanceClaim;
import dev.hearth.coordinator.store.NodeRecord;
import dev.hearth.coordinator.store.Quota;
import dev.hearth.coordinator.store.Store;
import dev.hearth.coordinator.store.Tenants;
import dev.hearth.core.InvalidInputException;
import dev.hearth.core.instance.InstanceDocument;
import dev.hearth.core.instance.InstanceSpec;
import dev.hearth.core.json.Json;
import dev.hearth.core.protocol.InstanceAction;
import dev.hearth.core.protocol.Protocol;
import dev.hearth.core.units.DurationText;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * {@code /v1/nodes/{id}/instances}: create an instance on a chosen node, and start, stop, restart, pause, resume or
 * destroy one, through the node's agent (pause and resume as {@code hearth instance pause|resume} on the node: a
 * runtime that cannot pause refuses, and the node's message says so). The document is validated here first (the same rules as {@code hearth instance
 * create}), so bad input is refused before the node hears of it; the agent validates again and allocates. Each
 * command answers when the node did it, or 202 with the request to poll when {@code wait} (default 30s) runs out
 * first. {@code GET .../{iid}/logs} relays the tail of the instance's guest output from its node (bounded, with a
 * deadline; see {@link InstanceViews#answerLog}). Secrets in the document go to the node in the command and are neither stored nor logged here.
 *
 * <p>Ownership: a create records its caller as the instance's owner (per node and instance id); a client may create
 * on any node it names that is not cordoned, up to its {@code instances} quota (instances owned at once, 429
 * naming the limit), and may act only on the instances it owns (403 {@code not_yours}, audited, otherwise). An
 * admin acts on any instance. A failed create and a done destroy give the ownership back. Thread-safe.
 */
public final class NodeInstancesApi implements HttpService {

    /** The actions of {@code POST .../{iid}/{action}}; destroy is the instance's {@code DELETE}. */
    private static final java.util.List<String> POSTED_ACTIONS = java.util.List.of("start", "stop", "restart", "pause",
            "resume");

    private final Store store;
    private final AgentHub hub;
    private final InstanceRelay relay;
    private final Tenants tenants;
    private final IdempotentRequests idempotency;
    private final WebhookEvents events;

    /**
     * The API sending through {@code relay} to the nodes of {@code hub}; owners and quotas are in the store, and a
     * create's {@code Idempotency-Key} is kept for {@code idempotencyRetention}.
     */
    public NodeInstancesApi(Store store, AgentHub hub, InstanceRelay relay, Duration idempotencyRetention,
            WebhookEvents events) {
        this.events = events;
        this.idempotency = new IdempotentRequests(store.idempotencyKeys(), idempotencyRetention);
        this.store = store;
        this.tenants = store.tenants();
        this.hub = hub;
        this.relay = relay;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/{id}/instances", this::create)
                .post("/{id}/instances/{iid}/{action}", this::act)
                .delete("/{id}/instances/{iid}", (req, res) -> act(req, res, "destroy"))
                .get("/{id}/instances/{iid}/logs", (req, res) -> act(req, res, InstanceAction.LOGS));
    }

    private void create(ServerRequest req, ServerResponse res) {
        String body = req.content().asOptional(String.class).orElse("");
        try (IdempotentRequests.Ticket ticket = idempotency.open(req, res, body)) {
            if (!ticket.answered()) {
                create(req, res, body, ticket);
            }
        }
    }

    private void create(ServerRequest req, ServerResponse res, String body, IdempotentRequests.Ticket ticket) {
        Optional<NodeSession> node = reachable(req, res);
        if (node.isEmpty()) {
            return;
        }
        InstanceDocument doc;
        Duration wait;
        try {
            wait = waitOf(req);
            doc = body.isBlank() ? null : Json.mapper().readValue(body, InstanceDocument.class);
            if (doc == null) {
                JsonResponses.error(res, 400, "invalid_document", "the instance document is empty: send a JSON "
                        + "object with the fields of 'hearth instance create', e.g. {\"id\":\"bot-1\","
                        + "\"telegramToken\":\"123456:ABC-def\"}");
                return;
            }
            doc.toSpec();
        } catch (UnrecognizedPropertyException e) {
            JsonResponses.invalid(res, e.getPropertyName(), "'" + e.getPropertyName() + "' is not a field of the "
                    + "instance document; known fields: " + e.getKnownPropertyIds());
            return;
        } catch (JsonProcessingException e) {
            // the parser's message may quote the body, secrets included: say where, not what
            JsonResponses.error(res, 400, "invalid_document", "the instance document is not a JSON object of the "
                    + "instance form (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")");
            return;
        } catch (InvalidInputException e) {
            JsonResponses.invalid(res, e.field(), e.getMessage());
            return;
        }
        Principal caller = Principal.of(req);
        String nodeId = node.get().nodeId();
        String cordon = store.cordoned().get(nodeId);
        if (cordon != null) {
            JsonResponses.error(res, 409, "node_cordoned", "node " + nodeId + " is cordoned (" + cordon
                    + "): it takes no new instances; choose another node");
            return;
        }
        int limit = caller.admin() ? 0 : tenants.client(caller.name()).map(ClientRecord::quota).orElse(Quota.NONE)
                .instances();
        if (!caller.admin() && unowned(nodeId, doc.id())) {
            // the node has it but nobody created it here: it is the admin's, and a claim would let a client act on it
            Access.notYours(req, res, "instance " + doc.id() + " on node " + nodeId);
            return;
        }
        InstanceClaim claim = tenants.claimInstance(nodeId, doc.id(), caller.actor(), limit);
        if (claim == InstanceClaim.NOT_YOURS && !caller.admin()) {
            Access.notYours(req, res, "instance " + doc.id() + " on node " + nodeId);
            return;
        }
        if (claim == InstanceClaim.OVER_QUOTA) {
            Access.refuse(req, res, 429, Map.of("error", "quota_exceeded", "limit", "instances", "message",
                    "client " + caller.name() + " may own " + limit + " instances at once (quota instances); "
                            + "destroy one first, or ask an admin to raise the quota"));
            return;
        }
        InstanceViews.answer(res, announced(relay.create(node.get(), doc, caller.actor(), claim == InstanceClaim.CLAIMED),
                caller), wait, 201, ticket);
    }

    private void act(ServerRequest req, ServerResponse res) {
        String action = req.path().pathParameters().get("action");
        if (!POSTED_ACTIONS.contains(action)) {
            JsonResponses.error(res, 404, "unknown_action", "no instance action '" + action
                    + "': start, stop, restart, pause or resume (DELETE the instance to destroy it)");
            return;
        }
        act(req, res, action);
    }

    private void act(ServerRequest req, ServerResponse res, String action) {
        String instanceId = req.path().pathParameters().get("iid");
        Principal caller = Principal.of(req);
        String nodeId = req.path().pathParameters().get("id");
        if (!caller.admin() && !tenants.instanceOwner(nodeId, instanceId).equals(Optional.of(caller.actor()))) {
            Access.notYours(req, res, "instance " + instanceId + " on node " + nodeId);
            return;
        }
        Optional<NodeSession> node = reachable(req, res);
        if (node.isEmpty()) {
            return;
        }
        Duration wait;
        try {
            InstanceSpec.checkId(instanceId);
            wait = waitOf(req);
        } catch (InvalidInputException e) {
            JsonResponses.invalid(res, e.field().equals("wait") ? "wait" : "instanceId", e.getMessage());
            return;
        }
        if (action.equals(InstanceAction.LOGS)) {
            InstanceViews.answerLog(res, relay, relay.logs(node.get(), instanceId, caller.actor()));
            return;
        }
        InstanceViews.answer(res, announced(relay.act(node.get(), instanceId, action, caller.actor()), caller), wait,
                200, IdempotentRequests.Ticket.NONE);
    }

    /** The request, whose end is written as an {@code instance.*} webhook event for its owner. */
    private InstanceRequest announced(InstanceRequest r, Principal caller) {
        r.result().thenAccept(done -> events.instance(r.owner(), r.id(), r.nodeId(), r.instanceId(), r.action(),
                done.ok(), done.ok() ? null : done.code()));
        return r;
    }

    /** Whether the node reports instance {@code instanceId} while no caller created it through the coordinator. */
    private boolean unowned(String nodeId, String instanceId) {
        NodeInventory.Snapshot reported = relay.inventory().all().get(nodeId);
        return reported != null && reported.instances().stream().anyMatch(i -> i.id().equals(instanceId))
                && tenants.instanceOwner(nodeId, instanceId).isEmpty();
    }

    /** The node's live Hearth session, or the answer why there is none (unknown, offline, v2.0). */
    private Optional<NodeSession> reachable(ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        Optional<NodeRecord> record = store.node(id);
        if (record.isEmpty()) {
            JsonResponses.error(res, 404, "unknown_node", "Node not found: " + id);
            return Optional.empty();
        }
        if (!Protocol.HEARTH_V1.equals(record.get().protocolVersion())) {
            JsonResponses.error(res, 409, "instances_unsupported", "node " + id + " runs a Hypernode v2.0 agent ("
                    + record.get().agentVersion() + "), which has no instances; choose a node with a Hearth agent");
            return Optional.empty();
        }
        Optional<NodeSession> session = hub.session(id);
        if (session.isEmpty()) {
            JsonResponses.error(res, 409, "node_offline", "node " + id + " (" + record.get().hostname()
                    + ") is not connected now (" + record.get().state().name().toLowerCase(java.util.Locale.ROOT)
                    + "); its agent must be connected to take instance commands");
            return Optional.empty();
        }
        if (!session.get().hearth()) {
            JsonResponses.error(res, 409, "instances_unsupported", "node " + id + " is connected with a Hypernode "
                    + "v2.0 agent, which has no instances");
            return Optional.empty();
        }
        return session;
    }

    private static Duration waitOf(ServerRequest req) {
        Optional<String> text = req.query().first("wait").asOptional();
        if (text.isEmpty()) {
            return InstanceViews.DEFAULT_WAIT;
        }
        if (text.get().strip().equals("0")) {
            return Duration.ZERO;
        }
        Duration d = DurationText.parsePositive("wait", text.get());
        if (d.compareTo(InstanceViews.MAX_WAIT) > 0) {
            throw new InvalidInputException("wait", text.get(), "at most " + DurationText.format(InstanceViews.MAX_WAIT)
                    + "; poll /v1/instances/requests/{requestId} for longer commands");
        }
        return d;
    }
}
