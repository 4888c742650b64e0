// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.coordinator.store.Database;
import dev.hearth.coordinator.store.PostgresCluster;
import dev.hearth.coordinator.store.PostgresLocation;
import dev.hearth.core.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.InstantSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Instance commands through a coordinator the node is not connected to: two real coordinators on one PostgreSQL
 * database, a scripted Hearth node connected to the first (A), every command sent to the second (B).
 */
@DisplayName("Instance commands sent to one coordinator reach a node connected to another through the database")
class InstanceHandoverTest {

    /** The node's TTL, and so the pickup deadline of a handed-over command. */
    private static final Duration TTL = Duration.ofSeconds(6);

    @TempDir
    Path data;
    private final HttpClient http = HttpClient.newHttpClient();
    private PostgresLocation database;
    private CoordinatorServer a;
    private CoordinatorServer b;
    private ScriptedHearthNode node;
    private String admin;

    @BeforeEach
    void start() throws Exception {
        PostgresCluster cluster = PostgresCluster.shared();
        database = cluster.location(cluster.freshDatabase());
        a = CoordinatorServer.start(config(data), InstantSource.system(), dev.hearth.coordinator.oracle.OracleSettings
                .DEFAULTS, new ServerTls.Mode.Off(), new Database.Postgres(database, cluster.password(), 4),
                dev.hearth.coordinator.blobs.BlobLimits.DEFAULTS);
        Path other = Files.createDirectories(data.resolve("b"));
        Files.copy(data.resolve("admin.token"), other.resolve("admin.token")); // coordinators share it
        b = CoordinatorServer.start(config(other), InstantSource.system(), dev.hearth.coordinator.oracle.OracleSettings
                .DEFAULTS, new ServerTls.Mode.Off(), new Database.Postgres(database, cluster.password(), 4),
                dev.hearth.coordinator.blobs.BlobLimits.DEFAULTS);
        admin = Files.readString(data.resolve("admin.token")).strip();
        node = new ScriptedHearthNode(json(send(a, admin, "POST", "/v1/tokens", "{\"ttl\":\"1h\"}")).get("token")
                .asText(), 1, false);
        node.connect(a.port());
    }

    private static CoordinatorConfig config(Path dir) {
        return new CoordinatorConfig("127.0.0.1", 0, dir, Duration.ofSeconds(1), TTL, 1 << 20, Duration.ofMillis(50));
    }

    @AfterEach
    void stop() throws Exception {
        node.close();
        b.close();
        if (a != null) {
            a.close();
        }
    }

    @Test
    @DisplayName("the owner's restart, stop (polled), log read and destroy through B reach the node on A and B answers "
            + "them; a create through B is refused naming what to do; another client is refused before anything is "
            + "recorded")
    void actionsThroughTheOtherCoordinator() throws Exception {
        String alice = json(send(a, admin, "POST", "/v1/clients", "{\"name\":\"alice\"}")).get("key").asText();
        String bob = json(send(a, admin, "POST", "/v1/clients", "{\"name\":\"bob\"}")).get("key").asText();
        String instances = "/v1/nodes/" + node.nodeId() + "/instances";
        HttpResponse<String> made = send(a, alice, "POST", instances, "{\"id\":\"bot-1\",\"telegramToken\":\"1:A\"}");
        assertThat(made.statusCode()).as(made.body()).isEqualTo(201);

        HttpResponse<String> restarted = send(b, alice, "POST", instances + "/bot-1/restart", null);
        assertThat(restarted.statusCode()).as(restarted.body()).isEqualTo(200);
        assertThat(json(restarted).path("state").asText()).isEqualTo("done");
        assertThat(json(restarted).path("instance").path("state").asText()).isEqualTo("running");

        HttpResponse<String> stopping = send(b, alice, "POST", instances + "/bot-1/stop?wait=0", null);
        assertThat(stopping.statusCode()).as(stopping.body()).isEqualTo(202);
        String location = stopping.headers().firstValue("Location").orElseThrow();
        JsonNode polled = awaitDone(location, alice);
        assertThat(polled.path("state").asText()).as(polled.toString()).isEqualTo("done");
        assertThat(polled.path("instance").path("state").asText()).isEqualTo("stopped");

        node.answerInstanceLogsWith("gateway listening\n");
        HttpResponse<String> logs = send(b, alice, "GET", instances + "/bot-1/logs", null);
        assertThat(logs.statusCode()).as(logs.body()).isEqualTo(200);
        assertThat(logs.body()).isEqualTo("gateway listening\n");

        HttpResponse<String> create = send(b, alice, "POST", instances, "{\"id\":\"bot-2\",\"telegramToken\":\"1:A\"}");
        assertThat(create.statusCode()).as(create.body()).isEqualTo(409);
        assertThat(create.body()).contains("node_elsewhere", "send it to the coordinator the node is connected to")
                .doesNotContain("1:A");

        long recorded = commandRows();
        HttpResponse<String> other = send(b, bob, "POST", instances + "/bot-1/stop", null);
        assertThat(other.statusCode()).as(other.body()).isEqualTo(403);
        assertThat(other.body()).contains("not_yours");
        assertThat(send(b, bob, "DELETE", instances + "/bot-1", null).statusCode()).isEqualTo(403);
        assertThat(commandRows()).as("nothing recorded for another client's instance").isEqualTo(recorded);

        HttpResponse<String> destroyed = send(b, alice, "DELETE", instances + "/bot-1", null);
        assertThat(destroyed.statusCode()).as(destroyed.body()).isEqualTo(200);
        // the destroy gave the ownership back, on the database both coordinators share
        assertThat(send(b, alice, "POST", instances + "/bot-1/start", null).statusCode()).isEqualTo(403);
        assertThat(commandSecrets()).as("no command row holds the create's token").isZero();
    }

    @Test
    @DisplayName("a command through B for a node whose coordinator is gone fails within the pickup deadline with "
            + "node_unreachable, and nothing reaches the node")
    void coordinatorGone() throws Exception {
        HttpResponse<String> made = send(a, admin, "POST", "/v1/nodes/" + node.nodeId() + "/instances",
                "{\"id\":\"bot-1\",\"telegramToken\":\"1:A\"}");
        assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
        a.close(); // the node's connection ends with it; the store still has the node online until its TTL
        a = null;

        long sent = System.nanoTime();
        HttpResponse<String> stop = send(b, admin, "POST", "/v1/nodes/" + node.nodeId() + "/instances/bot-1/stop",
                null);
        Duration took = Duration.ofNanos(System.nanoTime() - sent);

        assertThat(stop.statusCode()).as(stop.body()).isEqualTo(503);
        JsonNode body = json(stop);
        assertThat(body.path("error").asText()).isEqualTo("node_unreachable");
        assertThat(body.path("message").asText()).contains("no coordinator relayed instance stop",
                "Nothing was sent to the node");
        assertThat(took).isGreaterThanOrEqualTo(TTL).isLessThan(TTL.plusSeconds(5));
    }

    private JsonNode awaitDone(String location, String key) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        JsonNode r;
        do {
            r = json(send(b, key, "GET", location, null));
            if (!r.path("state").asText().equals("pending")) {
                return r;
            }
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("request " + location + " still pending after 20 s: " + r);
    }

    private long commandRows() throws Exception {
        return count("SELECT count(*) FROM instance_commands");
    }

    private long commandSecrets() throws Exception {
        return count("SELECT count(*) FROM instance_commands WHERE coalesce(result, '') LIKE '%1:A%'");
    }

    private long count(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(database.jdbcUrl(), database.user(),
                PostgresCluster.shared().password()); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private HttpResponse<String> send(CoordinatorServer to, String key, String method, String path, String body)
            throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + to.port() + path))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return Json.mapper().readTree(r.body());
    }
}
