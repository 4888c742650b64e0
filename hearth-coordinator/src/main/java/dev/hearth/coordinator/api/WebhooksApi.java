// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hearth.coordinator.store.WebhookEndpoint;
import dev.hearth.coordinator.store.Webhooks;
import dev.hearth.coordinator.webhook.WebhookSignature;
import dev.hearth.coordinator.webhook.WebhookTargets;
import dev.hearth.core.InvalidInputException;
import dev.hearth.core.json.Json;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * {@code /v1/webhooks}: a caller registers endpoints for its {@code job.*} and {@code instance.*} events (an admin's
 * get every event), lists and removes its own. The signing secret is shown once, on registration. A URL must pass
 * {@link WebhookTargets} (no internal addresses unless the operator allows a range). Thread-safe.
 */
public final class WebhooksApi implements HttpService {

    private final Webhooks webhooks;
    private final WebhookTargets targets;

    /** The API over the store's webhooks, registering only URLs {@code targets} allows. */
    public WebhooksApi(Webhooks webhooks, WebhookTargets targets) {
        this.webhooks = webhooks;
        this.targets = targets;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::register).get("/", this::list).delete("/{id}", this::remove);
    }

    private void register(ServerRequest req, ServerResponse res) {
        String url;
        try {
            JsonNode doc = Json.mapper().readTree(req.content().asOptional(String.class).orElse("{}"));
            if (doc == null || !doc.isObject() || !doc.path("url").isTextual()) {
                JsonResponses.invalid(res, "url", "send {\"url\":\"https://...\"}: the URL events are POSTed to");
                return;
            }
            url = targets.check(doc.get("url").asText()).toString();
        } catch (IOException e) {
            JsonResponses.invalid(res, "url", "the body is not JSON: send {\"url\":\"https://...\"}");
            return;
        } catch (InvalidInputException e) {
            JsonResponses.invalid(res, e.field(), e.getMessage());
            return;
        }
        WebhookEndpoint made = webhooks.register(Principal.of(req).actor(), url, WebhookSignature.newSecret());
        JsonResponses.send(res, 201, view(made).put("secret", made.secret()));
    }

    private void list(ServerRequest req, ServerResponse res) {
        Optional<Pages.Request> page = Pages.request(req, res);
        if (page.isEmpty()) {
            return;
        }
        Principal caller = Principal.of(req);
        List<WebhookEndpoint> mine = webhooks.endpoints().stream()
                .filter(e -> caller.admin() || e.owner().equals(caller.actor())).toList();
        ObjectNode out = Json.mapper().createObjectNode();
        var list = out.putArray("webhooks");
        Pages.page(mine, e -> Pages.timeKey(e.createdAt(), e.id()), page.get(), out, req, res)
                .forEach(e -> list.add(view(e)));
        JsonResponses.send(res, 200, out);
    }

    private void remove(ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        Optional<WebhookEndpoint> endpoint = webhooks.endpoint(id);
        if (endpoint.isEmpty()) {
            JsonResponses.error(res, 404, "unknown_webhook", "Webhook not found: " + id + " (GET /v1/webhooks)");
            return;
        }
        Principal caller = Principal.of(req);
        if (!caller.admin() && !endpoint.get().owner().equals(caller.actor())) {
            Access.notYours(req, res, "webhook " + id);
            return;
        }
        webhooks.remove(id);
        JsonResponses.send(res, 200, view(endpoint.get()));
    }

    private static ObjectNode view(WebhookEndpoint e) {
        return Json.mapper().createObjectNode().put("id", e.id()).put("url", e.url()).put("owner", e.owner())
                .put("createdAt", e.createdAt().toString());
    }
}
