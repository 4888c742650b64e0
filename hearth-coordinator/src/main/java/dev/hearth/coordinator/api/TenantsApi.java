// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hearth.coordinator.store.AuditEvent;
import dev.hearth.coordinator.store.ClientRecord;
import dev.hearth.coordinator.store.IssuedKey;
import dev.hearth.coordinator.store.KeyRecord;
import dev.hearth.coordinator.store.Quota;
import dev.hearth.coordinator.store.Role;
import dev.hearth.coordinator.store.Scope;
import dev.hearth.coordinator.store.Tenants;
import dev.hearth.core.InvalidInputException;
import dev.hearth.core.json.Json;
import dev.hearth.core.units.DurationText;
import java.time.Instant;
import java.util.List;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * {@code /v1/clients}, {@code /v1/keys} and {@code /v1/audit} (admin only): clients with their quotas, API keys
 * (answered in plaintext once, stored hashed), revocation and rotation, and the audit trail. Thread-safe.
 */
public final class TenantsApi implements HttpService {

    private static final int MAX_AUDIT = 10_000;

    private final Tenants tenants;

    /** The API over the store's tenants. */
    public TenantsApi(Tenants tenants) {
        this.tenants = tenants;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.post("/clients", this::createClient)
                .get("/clients", this::clients)
                .post("/clients/{name}/disable", this::disableClient)
                .post("/keys", this::createKey)
                .get("/keys", this::keys)
                .post("/keys/{id}/revoke", this::revokeKey)
                .post("/keys/{id}/rotate", this::rotateKey)
                .get("/audit", this::audit);
    }

    private void createClient(ServerRequest req, ServerResponse res) {
        try {
            JsonNode doc = body(req);
            String name = doc.path("name").asText(null);
            if (!ClientRecord.validName(name)) {
                throw new InvalidInputException("name", name, ClientRecord.NAME_FORM);
            }
            Quota quota = doc.hasNonNull("quota") ? quota(doc.get("quota")) : Quota.NONE;
            Duration ttl = ttl(doc);
            ClientRecord client = tenants.createClient(name, quota);
            IssuedKey key = tenants.createKey(Role.CLIENT, name, "first key of " + name, ttl);
            ObjectNode out = clientView(client);
            out.setAll(keyView(key.record()));
            out.put("key", key.plaintext());
            JsonResponses.send(res, 201, out);
        } catch (InvalidInputException e) {
            JsonResponses.invalid(res, e.field(), e.getMessage());
        } catch (IllegalArgumentException e) {
            JsonResponses.error(res, 409, "conflict", e.getMessage());
        }
    }

    private void clients(ServerRequest req, ServerResponse res) {
        Optional<Pages.Request> page = Pages.request(req, res);
        if (page.isEmpty()) {
            return;
        }
        ObjectNode out = Json.mapper().createObjectNode();
        var list = out.putArray("clients");
        Pages.page(tenants.clients(), ClientRecord::name, page.get(), out, req, res).forEach(c -> list.add(clientView(c)));
        JsonResponses.send(res, 200, out);
    }

    private void disableClient(ServerRequest req, ServerResponse res) {
        String name = req.path().pathParameters().get("name");
        if (tenants.client(name).isEmpty()) {
            JsonResponses.error(res, 404, "unknown_client", "Client not found: " + name + " (hearth client list)");
            return;
        }
        tenants.disableClient(name);
        JsonResponses.send(res, 200, clientView(tenants.client(name).orElseThrow()));
    }

    private void createKey(ServerRequest req, ServerResponse res) {
        try {
            JsonNode doc = body(req);
            Role role = role(doc.path("role").asText("client"));
            String owner = doc.path("owner").asText(null);
            if (!ClientRecord.validName(owner)) {
                throw new InvalidInputException("owner", owner, ClientRecord.NAME_FORM + " (the client's name for a "
                        + "client key, the operator's for an operator key)");
            }
            IssuedKey key = tenants.createKey(role, owner, doc.path("label").asText(""), ttl(doc), scopes(doc));
            JsonResponses.send(res, 201, keyView(key.record()).put("key", key.plaintext()));
        } catch (InvalidInputException e) {
            JsonResponses.invalid(res, e.field(), e.getMessage());
        } catch (IllegalArgumentException e) {
            JsonResponses.invalid(res, "owner", e.getMessage());
        }
    }

    private void keys(ServerRequest req, ServerResponse res) {
        Optional<Pages.Request> page = Pages.request(req, res);
        if (page.isEmpty()) {
            return;
        }
        ObjectNode out = Json.mapper().createObjectNode();
        var list = out.putArray("keys");
        Pages.page(tenants.keys(), k -> Pages.timeKey(k.createdAt(), k.id()), page.get(), out, req, res)
                .forEach(k -> list.add(keyView(k)));
        JsonResponses.send(res, 200, out);
    }

    private void revokeKey(ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        Optional<KeyRecord> key = key(id);
        if (key.isEmpty()) {
            JsonResponses.error(res, 404, "unknown_key", "Key not found: " + id + " (hearth key list)");
            return;
        }
        tenants.revokeKey(id);
        JsonResponses.send(res, 200, keyView(key(id).orElseThrow()));
    }

    /** A new key of the same role, owner and label; the old one is revoked once the new one exists. */
    private void rotateKey(ServerRequest req, ServerResponse res) {
        String id = req.path().pathParameters().get("id");
        Optional<KeyRecord> old = key(id);
        if (old.isEmpty()) {
            JsonResponses.error(res, 404, "unknown_key", "Key not found: " + id + " (hearth key list)");
            return;
        }
        KeyRecord k = old.get();
        Duration ttl = k.expiresAt() == null ? null : Duration.between(k.createdAt(), k.expiresAt());
        IssuedKey fresh = tenants.createKey(k.role(), k.owner(), k.label(), ttl, k.scopes());
        tenants.revokeKey(id);
        JsonResponses.send(res, 201, keyView(fresh.record()).put("key", fresh.plaintext()).put("replaces", id));
    }

    private void audit(ServerRequest req, ServerResponse res) {
        Optional<Pages.Request> page = Pages.request(req, res, 100, MAX_AUDIT);
        if (page.isEmpty()) {
            return;
        }
        Optional<String[]> before = page.get().after().map(k -> k.split("/", 2));
        List<AuditEvent> events;
        try {
            int limit = page.get().limit();
            // newest first across pages: each page is the events before the first one of the page before it
            events = before.isEmpty() ? tenants.auditTrail(limit + 1) : tenants.auditTrailBefore(
                    Instant.ofEpochMilli(Long.parseLong(before.get()[0])), before.get()[1], limit + 1);
        } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
            JsonResponses.invalid(res, "cursor", "cursor is invalid: pass the 'next' value of the previous page "
                    + "unchanged");
            return;
        }
        ObjectNode out = Json.mapper().createObjectNode();
        var list = out.putArray("events");
        if (events.size() > page.get().limit()) {
            events = events.subList(1, events.size()); // the oldest one only says that more follow
            Pages.next(Pages.cursor(Pages.timeKey(events.getFirst().at(), events.getFirst().id())), out, req, res);
        }
        for (AuditEvent e : events) {
            list.addObject().put("id", e.id()).put("at", e.at().toString()).put("actor", e.actor())
                    .put("action", e.action()).put("outcome", e.outcome()).put("detail", e.detail());
        }
        JsonResponses.send(res, 200, out);
    }

    private Optional<KeyRecord> key(String id) {
        return tenants.keys().stream().filter(k -> k.id().equals(id)).findFirst();
    }

    private static JsonNode body(ServerRequest req) {
        String text = req.content().asOptional(String.class).orElse("");
        try {
            JsonNode doc = text.isBlank() ? Json.mapper().createObjectNode() : Json.mapper().readTree(text);
            if (!doc.isObject()) {
                throw new InvalidInputException("body", "", "a JSON object");
            }
            return doc;
        } catch (IOException e) {
            throw new InvalidInputException("body", "", "a JSON object (" + e.getClass().getSimpleName() + ")");
        }
    }

    private static Role role(String text) {
        try {
            return Role.parse(text);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("role", text, "one of admin, client, operator");
        }
    }

    private static Set<Scope> scopes(JsonNode doc) {
        JsonNode node = doc.path("scopes");
        if (node.isMissingNode() || node.isNull()) {
            return Set.of();
        }
        String accepted = "an array of scope names, each one of " + Scope.ACCEPTED;
        if (!node.isArray()) {
            throw new InvalidInputException("scopes", node.toString(), accepted);
        }
        Set<Scope> out = EnumSet.noneOf(Scope.class);
        for (JsonNode s : node) {
            try {
                out.add(Scope.parse(s.isTextual() ? s.asText() : s.toString()));
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException("scopes", s.asText(s.toString()), accepted);
            }
        }
        return out;
    }

    private static Duration ttl(JsonNode doc) {
        return doc.hasNonNull("ttl") ? DurationText.parsePositive("ttl", doc.get("ttl").asText()) : null;
    }

    private static Quota quota(JsonNode node) {
        try {
            return Json.mapper().treeToValue(node, Quota.class);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new InvalidInputException("quota", node.toString(), "an object of concurrentJobs, queuedJobs, cpus, "
                    + "memoryBytes, gpus, instances, requestsPerMinute, each 0 (no limit) or more");
        }
    }

    private static ObjectNode clientView(ClientRecord c) {
        ObjectNode v = Json.mapper().createObjectNode().put("name", c.name()).put("account", "client:" + c.name())
                .put("createdAt", c.createdAt().toString()).put("enabled", c.enabled());
        v.set("quota", Json.mapper().valueToTree(c.quota()));
        return v;
    }

    private static ObjectNode keyView(KeyRecord k) {
        ObjectNode v = Json.mapper().createObjectNode().put("id", k.id()).put("role", k.role().wireName())
                .put("owner", k.owner()).put("label", k.label()).put("createdAt", k.createdAt().toString())
                .put("revoked", k.revokedAt() != null);
        var scopes = v.putArray("scopes");
        k.scopes().stream().sorted().forEach(s -> scopes.add(s.wireName()));
        if (k.expiresAt() != null) {
            v.put("expiresAt", k.expiresAt().toString());
        }
        return v;
    }
}
