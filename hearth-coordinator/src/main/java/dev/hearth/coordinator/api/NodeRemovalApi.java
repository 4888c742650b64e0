// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.api;

import dev.hearth.coordinator.hub.AgentHub;
import dev.hearth.coordinator.store.Store;
import dev.hearth.coordinator.store.Tenants;
import dev.hearth.coordinator.store.TokenRecord;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.List;
import java.util.Map;

/**
 * {@code DELETE /v1/nodes/{id}} (admin): removes a node for good. The token its identity is bound to is revoked, so
 * it can never register again with that identity, and its connection is closed; the lost-node watch then ends its
 * leases as for any silent node (jobs back to the queue, holds settled). Thread-safe.
 */
public final class NodeRemovalApi implements HttpService {

    private final Store store;
    private final Tenants tenants;
    private final AgentHub hub;
    private final Runnable wakeScheduler;

    /** The API over the store and the live connections. */
    public NodeRemovalApi(Store store, Tenants tenants, AgentHub hub, Runnable wakeScheduler) {
        this.store = store;
        this.tenants = tenants;
        this.hub = hub;
        this.wakeScheduler = wakeScheduler;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.delete("/{id}", this::remove);
    }

    private void remove(ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        if (store.node(id).isEmpty()) {
            JsonResponses.error(res, 404, "unknown_node", "Node not found: " + id);
            return;
        }
        List<String> tokens = store.tokens().stream().filter(t -> id.equals(t.boundNodeId())).map(TokenRecord::id)
                .toList();
        tokens.forEach(tenants::revokeToken);
        hub.drop(id, "removed by an admin");
        wakeScheduler.run();
        JsonResponses.send(res, 200, Map.of("id", id, "removed", true, "revokedTokens", tokens));
    }
}
