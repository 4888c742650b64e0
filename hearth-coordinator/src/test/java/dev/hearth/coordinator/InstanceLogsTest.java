// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.core.json.Json;
import dev.hearth.core.protocol.InstanceAction;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /v1/nodes/{id}/instances/{iid}/logs} over real HTTP against a real coordinator, with a scripted Hearth
 * node answering the read (the real agent's side is CoordinatorInstancesTest in hearth-agent).
 */
@DisplayName("Instance logs: relayed from the node to the owner and the admin only, cut to 64 KiB")
class InstanceLogsTest {

    @TempDir
    Path data;
    private CoordinatorServer server;
    private ScriptedHearthNode node;
    private String admin;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        server = CoordinatorServer.start(new CoordinatorConfig("127.0.0.1", 0, data, Duration.ofSeconds(1),
                Duration.ofSeconds(2), 1 << 20, Duration.ofMillis(100)), InstantSource.system());
        admin = Files.readString(data.resolve("admin.token")).strip();
        String token = json(send(admin, "POST", "/v1/tokens", "{\"ttl\":\"1h\"}")).get("token").asText();
        node = new ScriptedHearthNode(token, 1, false);
        node.connect(server.port());
    }

    @AfterEach
    void stop() throws Exception {
        node.close();
        server.close();
    }

    @Test
    @DisplayName("the owner reads the tail; another client gets not_yours; a node's oversized log keeps its newest 64 KiB")
    void ownerReadsTheTail() throws Exception {
        String alice = json(send(admin, "POST", "/v1/clients", "{\"name\":\"alice\"}")).get("key").asText();
        String bob = json(send(admin, "POST", "/v1/clients", "{\"name\":\"bob\"}")).get("key").asText();
        HttpResponse<String> made = send(alice, "POST", "/v1/nodes/" + node.nodeId() + "/instances",
                "{\"id\":\"bot-1\",\"telegramToken\":\"123456:ABC-def\"}");
        assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
        String path = "/v1/nodes/" + node.nodeId() + "/instances/bot-1/logs";

        node.answerInstanceLogsWith("gateway listening\n");
        HttpResponse<String> own = send(alice, "GET", path, null);
        assertThat(own.statusCode()).as(own.body()).isEqualTo(200);
        assertThat(own.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/plain");
        assertThat(own.body()).isEqualTo("gateway listening\n");
        assertThat(send(admin, "GET", path, null).body()).isEqualTo("gateway listening\n");

        HttpResponse<String> other = send(bob, "GET", path, null);
        assertThat(other.statusCode()).as(other.body()).isEqualTo(403);
        assertThat(other.body()).contains("not_yours").doesNotContain("gateway listening");

        String huge = "x".repeat(InstanceAction.LOG_BYTES + 5000) + "THE-END";
        node.answerInstanceLogsWith(huge);
        HttpResponse<String> cut = send(alice, "GET", path, null);
        assertThat(cut.statusCode()).isEqualTo(200);
        assertThat(cut.body()).hasSize(InstanceAction.LOG_BYTES).endsWith("THE-END");
    }

    private HttpResponse<String> send(String key, String method, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isBetween(200, 299);
        return Json.mapper().readTree(r.body());
    }
}
