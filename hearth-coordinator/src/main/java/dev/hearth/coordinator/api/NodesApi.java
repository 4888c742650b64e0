// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hearth.coordinator.hub.AgentHub;
import dev.hearth.coordinator.hub.NodeInventory;
import dev.hearth.coordinator.ledger.Reputation;
import dev.hearth.coordinator.store.AccountKind;
import dev.hearth.coordinator.store.JobRecord;
import dev.hearth.coordinator.store.JobState;
import dev.hearth.coordinator.store.LedgerAccount;
import dev.hearth.coordinator.store.NodeLimits;
import dev.hearth.coordinator.store.NodeRecord;
import dev.hearth.coordinator.store.NodeStanding;
import dev.hearth.coordinator.store.Posted;
import dev.hearth.coordinator.store.Store;
import dev.hearth.coordinator.store.Tenants;
import dev.hearth.coordinator.store.TransferKind;
import dev.hearth.core.InvalidInputException;
import dev.hearth.core.json.Json;
import dev.hearth.core.receipt.NodeKeys;
import dev.hearth.core.units.Credits;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * {@code /v1/nodes}: the node registry with live state, GPUs, running jobs, heartbeat age, reputation and stake, and
 * the instances each Hearth node last reported; one node; staking (admin). Thread-safe.
 */
public final class NodesApi implements HttpService {

    /** The cordon reason of a drain. */
    public static final String DRAINING = "draining";
    /** The longest cordon reason accepted. */
    static final int MAX_REASON = 200;

    private final Runnable wake;
    private final Store store;
    private final AgentHub hub;
    private final InstantSource clock;
    private final NodeInventory inventory;
    private final Tenants tenants;

    /**
     * The nodes API; each node shows the instances it last reported to {@code inventory}; an operator sees the nodes
     * {@code tenants} says are its own; {@code wake} runs the scheduler at once (after an uncordon).
     */
    public NodesApi(Store store, AgentHub hub, InstantSource clock, NodeInventory inventory, Tenants tenants,
            Runnable wake) {
        this.tenants = tenants;
        this.wake = wake;
        this.store = store;
        this.hub = hub;
        this.clock = clock;
        this.inventory = inventory;
    }


    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list)
                .get("/{id}", this::get)
                .post("/{id}/stake", this::stake)
                .post("/{id}/cordon", (req, res) -> cordon(req, res, false))
                .post("/{id}/drain", (req, res) -> cordon(req, res, true))
                .post("/{id}/uncordon", this::uncordon)
                .put("/{id}/limits", this::limits);
    }

    private void list(ServerRequest req, ServerResponse res) {
        Optional<Pages.Request> page = Pages.request(req, res);
        if (page.isEmpty()) {
            return;
        }
        Map<String, Long> jobs = liveJobs();
        Map<String, NodeStanding> standings = store.ledger().standings();
        Map<String, Long> balances = balances();
        ObjectNode out = Json.mapper().createObjectNode();
        var nodes = out.putArray("nodes");
        Map<String, String> cordoned = store.cordoned();
        Principal caller = Principal.of(req);
        Set<String> own = caller.admin() ? Set.of() : tenants.nodesOf(caller.name());
        List<NodeRecord> visible = store.nodes().stream().filter(n -> caller.admin() || own.contains(n.id())).toList();
        for (NodeRecord n : Pages.page(visible, n -> Pages.timeKey(n.registeredAt(), n.id()), page.get(), out, req,
                res)) {
            nodes.add(cordonView(view(n, jobs, standings.get(n.id()), balances), cordoned.get(n.id())));
        }
        JsonResponses.send(res, 200, out);
    }

    private void get(ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        Principal caller = Principal.of(req);
        if (store.node(id).isPresent() && !caller.admin() && !tenants.nodesOf(caller.name()).contains(id)) {
            Access.notYours(req, res, "node " + id);
            return;
        }
        store.node(id).ifPresentOrElse(
                n -> JsonResponses.send(res, 200, cordonView(view(n, liveJobs(), store.ledger().standings().get(id),
                        balances()), store.cordoned().get(id)).put("leaseExpiries", store.leaseExpiries(id))),
                () -> JsonResponses.error(res, 404, "unknown_node", "Node not found: " + id));
    }

    /**
     * Sets the capacity limits of one node (admin): {@code {"slots":4,"cpus":"2","memory":"8g","gpus":1}}, any of them;
     * what is not named is not limited beyond what the node declares. They replace the coordinator's flags for this
     * node; {@code {}} clears them (back to the flags).
     */
    private void limits(ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        if (store.node(id).isEmpty()) {
            JsonResponses.error(res, 404, "unknown_node", "Node not found: " + id);
            return;
        }
        NodeLimits limits = NodeLimits.NONE;
        try {
            JsonNode doc = Json.mapper().readTree(req.content().asOptional(String.class).orElse(""));
            if (doc == null || !doc.isObject()) {
                throw new IOException("not a JSON object");
            }
            for (var field : (Iterable<Map.Entry<String, JsonNode>>) doc::fields) {
                if (!field.getValue().isValueNode() || !java.util.Set.of("slots", "cpus", "memory", "gpus")
                        .contains(field.getKey())) {
                    throw new InvalidInputException(field.getKey(), field.getValue().toString(),
                            "one of slots (a number), cpus (e.g. \"2\"), memory (e.g. \"8g\"), gpus (a number)");
                }
                limits = NodeLimits.parse(field.getKey(), field.getKey() + "=" + field.getValue().asText(), limits);
            }
            limits = doc.isEmpty() ? null : limits;
        } catch (InvalidInputException e) {
            JsonResponses.invalid(res, e.field(), e.getMessage());
            return;
        } catch (IOException e) {
            JsonResponses.error(res, 400, "invalid_document", "the limits are not a JSON object of the form "
                    + "{\"slots\":4,\"cpus\":\"2\",\"memory\":\"8g\",\"gpus\":1}: " + e.getMessage());
            return;
        }
        store.setNodeLimits(id, limits);
        ObjectNode out = Json.mapper().createObjectNode().put("id", id);
        if (limits == null) {
            out.putNull("limits");
        } else {
            ObjectNode l = out.putObject("limits");
            if (limits.slots() != Integer.MAX_VALUE) {
                l.put("slots", limits.slots());
            }
            if (limits.nanoCpus() != Long.MAX_VALUE) {
                l.put("nanoCpus", limits.nanoCpus());
            }
            if (limits.memoryBytes() != Long.MAX_VALUE) {
                l.put("memoryBytes", limits.memoryBytes());
            }
            if (limits.gpus() != Integer.MAX_VALUE) {
                l.put("gpus", limits.gpus());
            }
        }
        JsonResponses.send(res, 200, out);
    }

    /** A node's cordon in its view: {@code cordoned}, {@code cordonReason} and {@code draining}. */
    private static ObjectNode cordonView(ObjectNode v, String reason) {
        return v.put("cordoned", reason != null).put("cordonReason", reason).put("draining", DRAINING.equals(reason));
    }

    /**
     * Cordons a node (admin): the scheduler gives it no new jobs (nor instances) until it is uncordoned, and its
     * leases run on to their end. A drain is a cordon whose reason is {@value #DRAINING}: the node's running jobs are
     * left to finish, and {@code jobs} in its view counts what is left. An optional body {@code {"reason":"..."}}
     * says why a plain cordon was set.
     */
    private void cordon(ServerRequest req, ServerResponse res, boolean drain) {
        String id = req.path().pathParameters().get("id");
        String reason = DRAINING;
        if (!drain) {
            reason = "cordoned by " + Principal.of(req).actor();
            try {
                String body = req.content().asOptional(String.class).orElse("");
                JsonNode doc = body.isBlank() ? null : Json.mapper().readTree(body);
                if (doc != null && doc.hasNonNull("reason")) {
                    reason = doc.get("reason").asText().strip();
                }
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                JsonResponses.error(res, 400, "invalid_document", "the body is not a JSON object: send "
                        + "{\"reason\":\"...\"} or nothing");
                return;
            }
            if (reason.isEmpty() || reason.length() > MAX_REASON || reason.equals(DRAINING)) {
                JsonResponses.invalid(res, "reason", "a reason is 1 to " + MAX_REASON + " characters and not '"
                        + DRAINING + "' (POST /v1/nodes/{id}/drain drains)");
                return;
            }
        }
        if (!store.cordonNode(id, reason)) {
            JsonResponses.error(res, 404, "unknown_node", "Node not found: " + id);
            return;
        }
        JsonResponses.send(res, 200, cordonView(Json.mapper().createObjectNode().put("id", id), reason)
                .put("jobs", liveJobs().getOrDefault(id, 0L)));
    }

    /** Lifts a cordon (an admin's cordon or drain, or the scheduler's after lease expiries): jobs come again. */
    private void uncordon(ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        if (!store.uncordonNode(id)) {
            JsonResponses.error(res, 404, "unknown_node", "Node not found: " + id);
            return;
        }
        wake.run(); // queued jobs need not wait for the scheduler's next tick
        JsonResponses.send(res, 200, Json.mapper().createObjectNode().put("id", id).put("cordoned", false));
    }

    private void stake(ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        if (store.node(id).isEmpty()) {
            JsonResponses.error(res, 404, "unknown_node", "Node not found: " + id);
            return;
        }
        long amount;
        String from;
        try {
            JsonNode doc = Json.mapper().readTree(req.content().asOptional(String.class).orElse(""));
            if (doc == null || !doc.isObject()) {
                throw new IOException("not a JSON object");
            }
            amount = Credits.parsePositive("amount", doc.path("amount").isValueNode() ? doc.get("amount").asText() : null);
            from = doc.hasNonNull("from") ? LedgerApi.accountId(doc.get("from").asText()) : AccountKind.node(id);
            AccountKind kind = AccountKind.of(from);
            if (kind != AccountKind.CLIENT && kind != AccountKind.NODE && kind != AccountKind.EXTERNAL) {
                throw new InvalidInputException("from", from, "the node's node:ID account (default), a client:NAME "
                        + "account, or external (a deposit straight into the stake)");
            }
        } catch (InvalidInputException e) {
            JsonResponses.invalid(res, e.field(), e.getMessage());
            return;
        } catch (IOException e) {
            JsonResponses.error(res, 400, "invalid_document", "the stake is not a JSON object of the form "
                    + "{\"amount\":\"10\",\"from\":\"node:ID\"}: " + e.getMessage());
            return;
        }
        Posted posted;
        try {
            posted = store.ledger().post("stake:" + UUID.randomUUID(), TransferKind.STAKE, from,
                    AccountKind.stake(id), amount, id);
        } catch (IllegalStateException e) {
            JsonResponses.error(res, 409, "insufficient_funds", e.getMessage());
            return;
        }
        ObjectNode out = LedgerViews.transfer(posted.transfer());
        out.put("stake", Credits.format(store.ledger().account(AccountKind.stake(id))
                .map(LedgerAccount::balanceMicros).orElse(0L)));
        JsonResponses.send(res, 200, out);
    }

    private Map<String, Long> liveJobs() {
        List<JobRecord> live = new ArrayList<>(store.jobs(Optional.of(JobState.LEASED)));
        live.addAll(store.jobs(Optional.of(JobState.RUNNING)));
        return live.stream().filter(j -> j.nodeId() != null)
                .collect(Collectors.groupingBy(JobRecord::nodeId, Collectors.counting()));
    }

    private Map<String, Long> balances() {
        return store.ledger().accounts().stream()
                .collect(Collectors.toMap(LedgerAccount::id, LedgerAccount::balanceMicros));
    }

    private ObjectNode view(NodeRecord n, Map<String, Long> jobs, NodeStanding standing, Map<String, Long> balances) {
        Instant now = clock.instant();
        ObjectNode v = Json.mapper().createObjectNode();
        v.put("id", n.id()).put("hostname", n.hostname()).put("state", n.state().name().toLowerCase(Locale.ROOT))
                .put("connected", hub.session(n.id()).isPresent()).put("os", n.os()).put("arch", n.arch())
                .put("cpus", n.cpus()).put("memoryBytes", n.memoryBytes()).put("agentVersion", n.agentVersion())
                .put("protocol", n.protocolVersion()).put("jobs", jobs.getOrDefault(n.id(), 0L))
                .put("registeredAt", n.registeredAt().toString());
        if (!n.publicKey().startsWith("legacy:")) {
            // what hearth verify --coordinator checks receipts against
            v.put("publicKey", n.publicKey());
            try {
                v.put("keyFingerprint", NodeKeys.fingerprint(NodeKeys.parse("publicKey", n.publicKey())));
            } catch (InvalidInputException e) {
                v.putNull("keyFingerprint");
            }
        }
        v.putPOJO("runtimes", n.runtimes());
        var gpus = v.putArray("gpus");
        n.gpus().forEach(g -> gpus.addObject().put("index", g.index()).put("model", g.model())
                .put("vramTotalMib", g.vramTotalMib()).put("uuid", g.uuid()));
        if (n.lastHeartbeat() != null) {
            v.put("lastHeartbeat", n.lastHeartbeat().toString());
            v.put("lastHeartbeatAgeSeconds", Duration.between(n.lastHeartbeat(), now).toSeconds());
        }
        inventory.of(n.id()).ifPresent(s -> {
            // only nodes whose agent reports instances (hearth/1) have the fields
            v.set("instances", Json.mapper().valueToTree(s.instances()));
            v.put("instancesReportedAt", s.reportedAt().toString());
        });
        v.put("balance", Credits.format(balances.getOrDefault(AccountKind.node(n.id()), 0L)));
        v.put("stake", Credits.format(balances.getOrDefault(AccountKind.stake(n.id()), 0L)));
        if (standing != null) {
            v.put("reputation", Math.round(Reputation.of(standing, now) * 1000) / 1000.0);
            v.putObject("standing").put("results", standing.results()).put("verified", standing.verified())
                    .put("failedVerification", standing.failedVerification()).put("timedOut", standing.timedOut())
                    .put("lost", standing.lost())
                    .put("uptime", Math.round(Reputation.uptime(standing, now) * 1000) / 1000.0);
        }
        return v;
    }
}
