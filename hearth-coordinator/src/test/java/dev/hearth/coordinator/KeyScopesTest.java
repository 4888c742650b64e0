// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.core.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Key scopes against a real coordinator over real HTTP: a scoped key keeps only the named part of its role's
 * rights (403 {@code scope_required}, audited, for the rest), rotation keeps the scopes, unknown scope names are
 * refused, and keys without scopes keep their role's full rights.
 */
@DisplayName("Key scopes narrow what a key's role allows")
class KeyScopesTest {

    @TempDir
    Path data;
    private CoordinatorServer server;
    private String admin;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        server = CoordinatorServer.start(new CoordinatorConfig("127.0.0.1", 0, data, Duration.ofSeconds(1),
                Duration.ofSeconds(2), 1 << 20, Duration.ofMillis(100)), InstantSource.system());
        admin = Files.readString(data.resolve("admin.token")).strip();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    @DisplayName("a jobs:read client key lists and reads its own jobs but cannot submit or cancel (403 "
            + "scope_required, audited); a jobs:write key submits and cancels but cannot read")
    void readAndWriteScopes() throws Exception {
        String full = call(admin, "POST", "/v1/clients", "{\"name\":\"alice\"}", 201).get("key").asText();
        String reader = key("client", "alice", "[\"jobs:read\"]");
        String writer = key("client", "alice", "[\"jobs:write\"]");

        String id = call(writer, "POST", "/v1/jobs", JOB, 201).get("id").asText();

        assertThat(call(reader, "GET", "/v1/jobs", null, 200).get("jobs")).extracting(j -> j.get("id").asText())
                .containsExactly(id);
        assertThat(call(reader, "GET", "/v1/jobs/" + id, null, 200).get("state").asText()).isEqualTo("queued");
        JsonNode submit = call(reader, "POST", "/v1/jobs", JOB, 403);
        assertThat(submit.get("error").asText()).isEqualTo("scope_required");
        assertThat(submit.get("scope").asText()).isEqualTo("jobs:write");
        assertThat(submit.get("message").asText()).contains("--scope jobs:write").doesNotContain(reader);
        assertThat(call(reader, "POST", "/v1/jobs/" + id + "/cancel", null, 403).get("scope").asText())
                .isEqualTo("jobs:write");
        assertThat(call(reader, "GET", "/v1/instances", null, 403).get("scope").asText()).isEqualTo("instances:read");
        assertThat(call(writer, "GET", "/v1/jobs/" + id, null, 403).get("scope").asText()).isEqualTo("jobs:read");
        // scopes never widen: a client key scoped admin:* is still refused admin routes by its role
        String widened = key("client", "alice", "[\"admin:*\"]");
        assertThat(call(widened, "GET", "/v1/clients", null, 403).get("error").asText()).isEqualTo("role_required");
        // nothing was submitted by the refused calls; the write key cancels
        assertThat(call(full, "GET", "/v1/jobs", null, 200).get("jobs")).hasSize(1);
        assertThat(call(writer, "POST", "/v1/jobs/" + id + "/cancel", null, 200).get("state").asText())
                .isEqualTo("cancelled");

        List<String> refused = new ArrayList<>();
        call(admin, "GET", "/v1/audit?limit=1000", null, 200).get("events").forEach(e -> {
            if (e.get("actor").asText().equals("client:alice") && e.get("outcome").asText().equals("refused:403")) {
                refused.add(e.get("action").asText() + " | " + e.get("detail").asText());
            }
        });
        assertThat(refused).contains("POST /v1/jobs | scopes jobs:read; needs jobs:write",
                "POST /v1/jobs/" + id + "/cancel | scopes jobs:read; needs jobs:write",
                "GET /v1/jobs/" + id + " | scopes jobs:write; needs jobs:read");
    }

    @Test
    @DisplayName("an admin key scoped jobs:read is refused admin routes (scope admin:*); the bootstrap token and "
            + "unscoped keys keep full rights; key list shows scopes and rotate keeps them")
    void adminScopesAndRotation() throws Exception {
        String narrow = key("admin", "ops", "[\"jobs:read\"]");
        assertThat(call(narrow, "GET", "/v1/keys", null, 403).get("scope").asText()).isEqualTo("admin:*");
        call(narrow, "GET", "/v1/jobs", null, 200);
        String unscoped = key("admin", "root", null);
        call(unscoped, "GET", "/v1/keys", null, 200);
        call(unscoped, "GET", "/v1/nodes", null, 200);

        String narrowId = narrow.substring(4, narrow.indexOf('_', 4));
        JsonNode rotated = call(admin, "POST", "/v1/keys/" + narrowId + "/rotate", null, 201);
        assertThat(rotated.get("scopes").toString()).isEqualTo("[\"jobs:read\"]");
        String fresh = rotated.get("key").asText();
        call(fresh, "GET", "/v1/jobs", null, 200);
        assertThat(call(fresh, "POST", "/v1/tokens", "{}", 403).get("error").asText()).isEqualTo("scope_required");
        JsonNode listed = call(admin, "GET", "/v1/keys", null, 200).get("keys");
        assertThat(listed).extracting(k -> k.get("id").asText() + " " + k.get("scopes"))
                .contains(rotated.get("id").asText() + " [\"jobs:read\"]");
        assertThat(listed.toString()).contains("\"owner\":\"root\"");
        listed.forEach(k -> {
            if (k.get("owner").asText().equals("root")) {
                assertThat(k.get("scopes")).isEmpty();
            }
        });
    }

    @Test
    @DisplayName("an unknown scope name, or scopes that are not an array, are refused naming the field and the "
            + "accepted names; no key is made")
    void badScopesRefused() throws Exception {
        for (String bad : List.of("[\"jobs:delete\"]", "\"jobs:read\"", "[\"jobs:read\",\"JOBS\"]")) {
            JsonNode r = call(admin, "POST", "/v1/keys", "{\"role\":\"admin\",\"owner\":\"ops\",\"scopes\":" + bad
                    + "}", 400);
            assertThat(r.get("error").asText()).isEqualTo("invalid_input");
            assertThat(r.get("field").asText()).isEqualTo("scopes");
            assertThat(r.get("message").asText()).contains("jobs:read, jobs:write, instances:read");
        }
        assertThat(call(admin, "GET", "/v1/keys", null, 200).get("keys")).isEmpty();
    }

    private static final String JOB = "{\"command\":[\"ok\"],\"cpus\":\"0.5\",\"memory\":\"64m\",\"timeout\":\"10s\"}";

    private String key(String role, String owner, String scopes) throws Exception {
        return call(admin, "POST", "/v1/keys", "{\"role\":\"" + role + "\",\"owner\":\"" + owner + "\""
                + (scopes == null ? "" : ",\"scopes\":" + scopes) + "}", 201).get("key").asText();
    }

    private JsonNode call(String key, String method, String path, String body, int status) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                + path)).method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + key).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isEqualTo(status);
        return r.body().isBlank() ? Json.mapper().createObjectNode() : Json.mapper().readTree(r.body());
    }
}
