package dev.hearth.coordinator.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hearth.coordinator.hub.AgentHub;
import dev.hearth.coordinator.hub.InstanceRelay;
import dev.hearth.coordinator.hub.NodeInventory;
import dev.hearth.core.json.Json;
import dev.hearth.core.protocol.InstanceReport;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code /v1/instances}: the cluster's instances, as each node last reported them, and the state of instance
 * commands sent through {@code /v1/nodes/{id}/instances}. Thread-safe.
 */
public final class InstancesApi implements HttpService {

    private final InstanceRelay relay;
    private final AgentHub hub;

    /** The API over what the relay knows. */
    public InstancesApi(InstanceRelay relay, AgentHub hub) {
        this.relay = relay;
        this.hub = hub;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list).get("/requests/{requestId}", this::request);
    }

    private void list(ServerRequest req, ServerResponse res) {
        ObjectNode out = Json.mapper().createObjectNode();
        var all = out.putArray("instances");
        Map<String, NodeInventory.Snapshot> nodes = new TreeMap<>(relay.inventory().all());
        nodes.forEach((nodeId, snapshot) -> {
            boolean connected = hub.session(nodeId).isPresent();
            for (InstanceReport r : snapshot.instances()) {
                ObjectNode v = Json.mapper().createObjectNode().put("nodeId", nodeId).put("nodeConnected", connected)
                        .put("reportedAt", snapshot.reportedAt().toString());
                v.setAll((ObjectNode) Json.mapper().valueToTree(r));
                all.add(v);
            }
        });
        JsonResponses.send(res, 200, out);
    }

    private void request(ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("requestId");
        relay.request(id).ifPresentOrElse(r -> JsonResponses.send(res, 200, InstanceViews.request(r)),
                () -> JsonResponses.error(res, 404, "unknown_request", "Instance request not found: " + id
                        + " (the coordinator keeps the last 1000, in memory)"));
    }
}
