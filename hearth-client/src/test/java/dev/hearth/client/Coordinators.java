// SPDX-License-Identifier: Apache-2.0
package dev.hearth.client;

import dev.hearth.agent.inventory.HostInventory;
import dev.hearth.agent.inventory.NvidiaSmi;
import dev.hearth.agent.link.NodeIdentity;
import dev.hearth.agent.link.Outbox;
import dev.hearth.agent.node.AgentConfig;
import dev.hearth.agent.node.NodeAgent;
import dev.hearth.coordinator.CoordinatorConfig;
import dev.hearth.coordinator.CoordinatorServer;
import dev.hearth.core.json.Json;
import dev.hearth.core.protocol.Protocol;
import dev.hearth.sandbox.DockerFixture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;

/** A real coordinator in this process (and, for end-to-end tests, a real agent on the Docker engine). */
final class Coordinators {

    private Coordinators() {
    }

    static CoordinatorServer start(Path dir) throws Exception {
        return CoordinatorServer.start(new CoordinatorConfig("127.0.0.1", 0, dir.resolve("coordinator"),
                Duration.ofSeconds(1), Duration.ofSeconds(4), Protocol.DEFAULT_MAX_FRAME_BYTES, Duration.ofMillis(200)),
                InstantSource.system());
    }

    static String url(CoordinatorServer c) {
        return "http://127.0.0.1:" + c.port();
    }

    static char[] adminToken(Path dir) throws Exception {
        return Files.readString(dir.resolve("coordinator").resolve("admin.token")).strip().toCharArray();
    }

    static HearthClient client(CoordinatorServer c, Path dir) throws Exception {
        return HearthClient.builder().url(URI.create(url(c))).token(adminToken(dir)).build();
    }

    /** A client (role client, ledger account {@code client:NAME}) made by the admin, with its first key. */
    static HearthClient newClient(CoordinatorServer c, Path dir, String name) throws Exception {
        var created = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url(c) + "/v1/clients"))
                .header("Authorization", "Bearer " + new String(adminToken(dir)))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"" + name + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (created.statusCode() != 201) {
            throw new IllegalStateException("POST /v1/clients answered " + created.statusCode() + ": "
                    + created.body());
        }
        String key = Json.mapper().readTree(created.body()).path("key").asText();
        return HearthClient.builder().url(URI.create(url(c))).token(key.toCharArray()).build();
    }

    /** A real agent registered with {@code c}, running jobs on the Docker engine. */
    static NodeAgent agent(CoordinatorServer c, Path dir) throws Exception {
        DockerFixture.driver();
        var created = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url(c) + "/v1/tokens"))
                .header("Authorization", "Bearer " + new String(adminToken(dir)))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"label\":\"client-test\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        String token = Json.mapper().readTree(created.body()).path("token").asText();
        Path state = dir.resolve("agent");
        AgentConfig config = AgentConfig.resolve(Map.of(AgentConfig.Key.ENDPOINT, "ws://127.0.0.1:" + c.port(),
                AgentConfig.Key.HEARTBEAT_INTERVAL, "1s", AgentConfig.Key.HEALTH_PORT, "0"),
                Map.of("HN_NODE_TOKEN", token), null, state, 2);
        NodeAgent agent = new NodeAgent(config, dev.hearth.sandbox.docker.DockerDriver.connect(),
                NodeIdentity.loadOrCreate(state), Outbox.open(state),
                new HostInventory(new NvidiaSmi()).read(List.of("docker"), "test", "test"), InstantSource.system());
        agent.start();
        return agent;
    }
}
