// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hearth.coordinator.store.IssuedToken;
import dev.hearth.coordinator.store.ClientRecord;
import dev.hearth.coordinator.store.Store;
import dev.hearth.coordinator.store.Tenants;
import dev.hearth.coordinator.store.TokenRecord;
import dev.hearth.core.InvalidInputException;
import dev.hearth.core.json.Json;
import dev.hearth.core.units.DurationText;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * {@code /v1/tokens}: admins create node tokens (optionally for an operator, whose nodes they make), list and
 * revoke them; the plaintext is answered once and stored hashed.
 */
public final class TokensApi implements HttpService {

    private final Store store;
    private final Tenants tenants;

    /** The tokens API. */
    public TokensApi(Store store, Tenants tenants) {
        this.store = store;
        this.tenants = tenants;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/", this::create).get("/", this::list).post("/{id}/revoke", this::revoke);
    }

    private void list(ServerRequest req, ServerResponse res) {
        java.util.Optional<Pages.Request> page = Pages.request(req, res);
        if (page.isEmpty()) {
            return;
        }
        Map<String, String> operators = tenants.tokenOperators();
        Set<String> revoked = tenants.revokedTokens();
        ObjectNode out = Json.mapper().createObjectNode();
        var list = out.putArray("tokens");
        for (TokenRecord t : Pages.page(store.tokens(), t -> Pages.timeKey(t.createdAt(), t.id()), page.get(), out,
                req, res)) {
            ObjectNode v = list.addObject().put("id", t.id()).put("label", t.label())
                    .put("createdAt", t.createdAt().toString()).put("revoked", revoked.contains(t.id()));
            if (t.expiresAt() != null) {
                v.put("expiresAt", t.expiresAt().toString());
            }
            if (t.boundNodeId() != null) {
                v.put("nodeId", t.boundNodeId());
            }
            if (operators.containsKey(t.id())) {
                v.put("operator", operators.get(t.id()));
            }
        }
        JsonResponses.send(res, 200, out);
    }

    private void revoke(ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        if (store.tokens().stream().noneMatch(t -> t.id().equals(id))) {
            JsonResponses.error(res, 404, "unknown_token", "Node token not found: " + id + " (hearth token list)");
            return;
        }
        boolean changed = tenants.revokeToken(id);
        JsonResponses.send(res, 200, Map.of("id", id, "revoked", true, "changed", changed));
    }

    private void create(ServerRequest req, ServerResponse res) {
        Duration ttl = Duration.ofHours(1);
        String label = "";
        String operator = null;
        try {
            // asOptional: the body is optional, and as(String.class) throws when there is none
            String body = req.content().asOptional(String.class).orElse("");
            if (!body.isBlank()) {
                JsonNode doc = Json.mapper().readTree(body);
                if (doc.hasNonNull("ttl")) {
                    ttl = DurationText.parsePositive("ttl", doc.get("ttl").asText());
                }
                if (doc.hasNonNull("operator")) {
                    operator = doc.get("operator").asText();
                    if (!ClientRecord.validName(operator)) {
                        throw new InvalidInputException("operator", operator, ClientRecord.NAME_FORM);
                    }
                }
                if (doc.hasNonNull("label")) {
                    label = doc.get("label").asText();
                }
            }
        } catch (InvalidInputException e) {
            JsonResponses.invalid(res, e.field(), e.getMessage());
            return;
        } catch (IOException e) {
            JsonResponses.error(res, 400, "invalid_document", "the token request is not valid JSON: "
                    + e.getMessage());
            return;
        }
        IssuedToken issued = store.createToken(label, ttl);
        if (operator != null) {
            tenants.assignOperator(issued.record().id(), operator);
        }
        ObjectNode out = Json.mapper().createObjectNode().put("token", issued.plaintext())
                .put("id", issued.record().id());
        if (issued.record().expiresAt() != null) {
            out.put("expiresAt", issued.record().expiresAt().toString());
        }
        JsonResponses.send(res, 201, out);
    }
}
