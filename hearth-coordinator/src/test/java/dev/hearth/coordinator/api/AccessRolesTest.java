// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.coordinator.CoordinatorConfig;
import dev.hearth.coordinator.CoordinatorServer;
import dev.hearth.coordinator.store.Role;
import dev.hearth.coordinator.store.Scope;
import dev.hearth.core.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every operation docs/openapi.yaml lists under /v1 states the roles that may call it ({@code x-hearth-role}); this
 * walks each against a real coordinator with a key of every role: a role the operation does not list is refused by
 * the authorization layer (403 {@code role_required}), a role it lists is not. Likewise each states the scope a scoped
 * key needs ({@code x-hearth-scope}), walked with an admin key of each single scope.
 */
@DisplayName("Every documented operation's x-hearth-role is what the authorization layer enforces")
class AccessRolesTest {

    @TempDir
    Path data;
    private CoordinatorServer server;
    private final Map<Role, String> keys = new EnumMap<>(Role.class);
    private final Map<Scope, String> scopedAdmin = new EnumMap<>(Scope.class);
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        server = CoordinatorServer.start(new CoordinatorConfig("127.0.0.1", 0, data, Duration.ofSeconds(1),
                Duration.ofSeconds(30), 64 * 1024, Duration.ofMillis(100)), InstantSource.system());
        String admin = Files.readString(data.resolve("admin.token")).strip();
        keys.put(Role.ADMIN, admin);
        keys.put(Role.CLIENT, Json.mapper().readTree(send(admin, "POST", "/v1/clients", "{\"name\":\"alice\"}").body())
                .get("key").asText());
        keys.put(Role.OPERATOR, Json.mapper().readTree(send(admin, "POST", "/v1/keys",
                "{\"role\":\"operator\",\"owner\":\"rack4\"}").body()).get("key").asText());
        for (Scope s : Scope.values()) {
            scopedAdmin.put(s, Json.mapper().readTree(send(admin, "POST", "/v1/keys", "{\"role\":\"admin\","
                    + "\"owner\":\"ops\",\"scopes\":[\"" + s.wireName() + "\"]}").body()).get("key").asText());
        }
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    @DisplayName("each operation under /v1 names its roles, the same the coordinator's rules hold, and each role "
            + "outside them is refused while each inside is let through")
    void everyOperation() throws Exception {
        Set<String> checked = new TreeSet<>();
        for (Map.Entry<String, JsonNode> op : apiOperations().entrySet()) {
            String method = op.getKey().substring(0, op.getKey().indexOf(' '));
            String path = op.getKey().substring(op.getKey().indexOf(' ') + 1);
            JsonNode stated = op.getValue().path("x-hearth-role");
            assertThat(stated.isArray()).as(op.getKey() + " states x-hearth-role").isTrue();
            Set<Role> roles = new TreeSet<>();
            stated.forEach(r -> roles.add(Role.parse(r.asText())));
            assertThat(AccessRules.roles(method, path)).as(op.getKey()).isEqualTo(roles);
            String concrete = path.replaceAll("\\{[^}]+}", "x1");
            for (Role role : Role.values()) {
                HttpResponse<String> r = send(keys.get(role), method, concrete, method.equals("GET") ? null : "{}");
                // the answer to a HEAD has no body: its 403 is the refusal
                boolean refused = r.statusCode() == 403 && (method.equals("HEAD")
                        || r.body().contains("\"role_required\""));
                assertThat(refused).as(role + " on " + op.getKey() + ": " + r.statusCode() + " " + r.body())
                        .isEqualTo(!roles.contains(role));
                assertThat(r.statusCode()).as(role + " on " + op.getKey()).isNotEqualTo(401);
            }
            checked.add(op.getKey());
        }
        assertThat(checked).hasSizeGreaterThan(15);
        Set<String> ruled = AccessRules.RULES.stream().map(r -> r.method() + " " + r.path())
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(ruled).containsAll(checked);
    }

    @Test
    @DisplayName("each operation under /v1 names its scope (x-hearth-scope), the same AccessRules derives; an admin "
            + "key scoped otherwise is refused it with 403 scope_required naming it, a key with that scope is not")
    void everyOperationScope() throws Exception {
        Set<String> checked = new TreeSet<>();
        for (Map.Entry<String, JsonNode> op : apiOperations().entrySet()) {
            String method = op.getKey().substring(0, op.getKey().indexOf(' '));
            String path = op.getKey().substring(op.getKey().indexOf(' ') + 1);
            JsonNode stated = op.getValue().path("x-hearth-scope");
            assertThat(stated.isTextual()).as(op.getKey() + " states x-hearth-scope").isTrue();
            Optional<Scope> scope = stated.asText().equals("none") ? Optional.empty()
                    : Optional.of(Scope.parse(stated.asText()));
            assertThat(AccessRules.scope(method, path)).as(op.getKey()).isEqualTo(scope);
            String concrete = path.replaceAll("\\{[^}]+}", "x1");
            String body = method.equals("GET") ? null : "{}";
            for (Scope held : Scope.values()) {
                HttpResponse<String> r = send(scopedAdmin.get(held), method, concrete, body);
                boolean refused = r.statusCode() == 403 && (method.equals("HEAD")
                        || r.body().contains("\"scope_required\""));
                boolean allowed = scope.isEmpty() || scope.get() == held;
                assertThat(refused).as(held.wireName() + " on " + op.getKey() + ": " + r.statusCode() + " "
                        + r.body()).isEqualTo(!allowed);
                if (refused && !method.equals("HEAD")) {
                    assertThat(Json.mapper().readTree(r.body()).path("scope").asText()).isEqualTo(stated.asText());
                }
            }
            checked.add(op.getKey());
        }
        assertThat(checked).hasSizeGreaterThan(15);
    }

    @Test
    @DisplayName("every rule in AccessRules is a documented operation, and every documented /v1 operation has a rule")
    void rulesAndDocumentAgree() throws Exception {
        Set<String> documented = OpenApiDocument.find().operations().keySet().stream()
                .filter(op -> op.contains(" /v1/") && !op.contains(" /v1/agent"))
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> ruled = AccessRules.RULES.stream().map(r -> r.method() + " " + r.path())
                .collect(Collectors.toCollection(TreeSet::new));

        assertThat(ruled).as("rules without a documented operation").containsExactlyElementsOf(documented);
        assertThat(AccessRules.RULES).as("one rule per operation").hasSameSizeAs(ruled);
    }

    @Test
    @DisplayName("a path no rule names is for admins only")
    void unknownRouteIsAdminOnly() throws Exception {
        HttpResponse<String> r = send(keys.get(Role.CLIENT), "GET", "/v1/nothing-here", null);
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.body()).contains("role_required");
    }

    /** The documented operations under /v1 but the agents' (WebSocket and HTTP), by {@code METHOD path}. */
    private static Map<String, JsonNode> apiOperations() throws Exception {
        Map<String, JsonNode> out = new java.util.TreeMap<>(OpenApiDocument.find().operations());
        out.keySet().removeIf(op -> !op.contains(" /v1/") || op.contains(" /v1/agent")); // nodes: token and key
        return out;
    }

    private HttpResponse<String> send(String key, String method, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + key).build(),
                // an event stream (GET /v1/events) runs for minutes: its status is all that is checked
                info -> info.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream")
                        ? new StreamCloser()
                        : HttpResponse.BodySubscribers.ofString(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Takes an event stream's body as empty and cancels it at once (the connection closes). */
    private static final class StreamCloser implements HttpResponse.BodySubscriber<String> {

        @Override
        public java.util.concurrent.CompletionStage<String> getBody() {
            return java.util.concurrent.CompletableFuture.completedFuture("");
        }

        @Override
        public void onSubscribe(java.util.concurrent.Flow.Subscription subscription) {
            subscription.cancel();
        }

        @Override
        public void onNext(java.util.List<java.nio.ByteBuffer> item) {
        }

        @Override
        public void onError(Throwable throwable) {
        }

        @Override
        public void onComplete() {
        }
    }
}
