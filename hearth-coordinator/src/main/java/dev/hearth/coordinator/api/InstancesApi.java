// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hearth.coordinator.hub.AgentHub;
import dev.hearth.coordinator.hub.InstanceRelay;
import dev.hearth.coordinator.hub.NodeInventory;
import dev.hearth.coordinator.store.InstanceKey;
import dev.hearth.coordinator.store.Tenants;
import dev.hearth.core.json.Json;
import dev.hearth.core.protocol.InstanceReport;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * {@code /v1/instances}: the cluster's instances, as each node last reported them, and the state of instance
 * commands sent through {@code /v1/nodes/{id}/instances}. An admin sees all of them; a client only the instances it
 * created through the coordinator and the requests it sent. Thread-safe.
 */
public final class InstancesApi implements HttpService {

    private final InstanceRelay relay;
    private final AgentHub hub;
    private final Tenants tenants;

    /** The API over what the relay knows, with each instance's owner from {@code tenants}. */
    public InstancesApi(InstanceRelay relay, AgentHub hub, Tenants tenants) {
        this.relay = relay;
        this.hub = hub;
        this.tenants = tenants;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list).get("/requests/{requestId}", this::request);
    }

    /** Every instance for an admin; a client's own only (those it created through the coordinator). */
    private void list(ServerRequest req, ServerResponse res) {
        Optional<Pages.Request> page = Pages.request(req, res);
        if (page.isEmpty()) {
            return;
        }
        Principal caller = Principal.of(req);
        Map<InstanceKey, String> owners = tenants.instanceOwners();
        ObjectNode out = Json.mapper().createObjectNode();
        var all = out.putArray("instances");
        List<ObjectNode> views = new ArrayList<>();
        Map<String, NodeInventory.Snapshot> nodes = new TreeMap<>(relay.inventory().all());
        nodes.forEach((nodeId, snapshot) -> {
            boolean connected = hub.session(nodeId).isPresent();
            for (InstanceReport r : snapshot.instances()) {
                String owner = owners.get(new InstanceKey(nodeId, r.id()));
                if (!caller.admin() && !caller.actor().equals(owner)) {
                    continue;
                }
                ObjectNode v = Json.mapper().createObjectNode().put("nodeId", nodeId).put("nodeConnected", connected)
                        .put("reportedAt", snapshot.reportedAt().toString());
                v.setAll((ObjectNode) Json.mapper().valueToTree(r));
                if (owner != null) {
                    v.put("owner", owner);
                }
                views.add(v);
            }
        });
        // node id, then instance id: one instance per key (an id is unique on its node)
        all.addAll(Pages.page(views, v -> v.path("nodeId").asText() + "/" + v.path("id").asText(), page.get(), out,
                req, res));
        JsonResponses.send(res, 200, out);
    }

    private void request(ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("requestId");
        Principal caller = Principal.of(req);
        relay.request(id).ifPresentOrElse(r -> {
            if (caller.admin() || r.owner().equals(caller.actor())) {
                JsonResponses.send(res, 200, InstanceViews.request(r));
            } else {
                Access.notYours(req, res, "instance request " + id);
            }
        }, () -> JsonResponses.error(res, 404, "unknown_request", "Instance request not found: " + id
                        + " (the coordinator keeps the last 1000, in memory)"));
    }
}
