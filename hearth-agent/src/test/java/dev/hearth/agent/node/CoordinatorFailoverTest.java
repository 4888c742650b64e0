// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.agent.inventory.HostInventory;
import dev.hearth.agent.inventory.NvidiaSmi;
import dev.hearth.agent.link.NodeIdentity;
import dev.hearth.agent.link.Outbox;
import dev.hearth.coordinator.CoordinatorConfig;
import dev.hearth.coordinator.CoordinatorServer;
import dev.hearth.coordinator.ServerTls;
import dev.hearth.coordinator.oracle.OracleSettings;
import dev.hearth.coordinator.store.Database;
import dev.hearth.coordinator.store.PostgresCluster;
import dev.hearth.core.json.Json;
import dev.hearth.core.protocol.Protocol;
import dev.hearth.sandbox.DockerFixture;
import dev.hearth.sandbox.docker.DockerDriver;
import java.net.ServerSocket;
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
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An agent given several coordinators (on one PostgreSQL) moves to the next when its coordinator goes away, and the
 * job it was running completes through the other one. Real coordinators, PostgreSQL, agent and Docker.
 */
@DisplayName("An agent with a list of coordinators moves to another when its coordinator goes, and its job completes")
class CoordinatorFailoverTest {

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    @DisplayName("an unreachable first endpoint is passed over; when coordinator A stops mid-job the agent registers "
            + "with B, the running job's result is accepted there once, and B's next job runs on the agent")
    void movesToTheNextCoordinator() throws Exception {
        DockerFixture.driver();
        PostgresCluster cluster = PostgresCluster.shared();
        String database = cluster.freshDatabase();
        CoordinatorServer a = start("a", new Database.Postgres(cluster.location(database), cluster.password(), 4));
        CoordinatorApi apiA = new CoordinatorApi(a.port(),
                Files.readString(dir.resolve("a").resolve("admin.token")).strip());
        NodeAgent agent = null;
        try (CoordinatorServer b = start("b",
                new Database.Postgres(cluster.location(database), cluster.password(), 4))) {
            CoordinatorApi apiB = new CoordinatorApi(b.port(),
                    Files.readString(dir.resolve("b").resolve("admin.token")).strip());
            String token = apiA.call("POST", "/v1/tokens", "{\"label\":\"failover\"}").get("token").asText();
            int dead;
            try (ServerSocket s = new ServerSocket(0)) {
                dead = s.getLocalPort(); // closed again: nothing listens there
            }
            Path state = dir.resolve("agent");
            AgentConfig config = AgentConfig.resolve(Map.of(AgentConfig.Key.ENDPOINT, "ws://127.0.0.1:" + dead
                    + ",ws://127.0.0.1:" + a.port() + ",ws://127.0.0.1:" + b.port(),
                    AgentConfig.Key.HEARTBEAT_INTERVAL, "1s", AgentConfig.Key.RECONNECT_DELAY, "200ms",
                    AgentConfig.Key.RECONNECT_MAX, "1s", AgentConfig.Key.HEALTH_PORT, "0"),
                    Map.of("HN_NODE_TOKEN", token), null, state, 2);
            assertThat(config.endpoints()).hasSize(3);
            agent = new NodeAgent(config, DockerDriver.connect(), NodeIdentity.loadOrCreate(state),
                    Outbox.open(state), new HostInventory(new NvidiaSmi()).read(List.of("docker"), "test", "test"),
                    InstantSource.system());
            agent.start();
            NodeAgent running = agent;
            await("registered with A", () -> running.health().registered()
                    && running.health().coordinator().equals("ws://127.0.0.1:" + a.port() + Protocol.AGENT_PATH));

            String first = submit(apiA, "sleep 3; echo first");
            await("the first job running", () -> running.runningJobs() == 1);
            a.close();
            await("registered with B", () -> running.health().registered()
                    && running.health().coordinator().equals("ws://127.0.0.1:" + b.port() + Protocol.AGENT_PATH));
            await("the first job completed through B",
                    () -> "completed".equals(apiB.call("GET", "/v1/jobs/" + first, null).path("state").asText()));
            JsonNode done = apiB.call("GET", "/v1/jobs/" + first, null);
            assertThat(done.path("epoch").asLong()).as("leased once, not again: %s", done).isEqualTo(1);
            assertThat(text(apiB, "/v1/jobs/" + first + "/logs")).isEqualTo("first\n");

            String second = submit(apiB, "echo second");
            await("the second job completed on the agent through B",
                    () -> "completed".equals(apiB.call("GET", "/v1/jobs/" + second, null).path("state").asText()));
            assertThat(text(apiB, "/v1/jobs/" + second + "/logs")).isEqualTo("second\n");
            assertThat(agent.reconnects()).as("attempts after the first: A after the dead one, then B")
                    .isGreaterThanOrEqualTo(2);
        } finally {
            if (agent != null) {
                agent.close();
            }
            a.close();
        }
    }

    private CoordinatorServer start(String name, Database database) throws Exception {
        CoordinatorConfig config = new CoordinatorConfig("127.0.0.1", 0, dir.resolve(name), Duration.ofSeconds(1),
                Duration.ofSeconds(6), Protocol.DEFAULT_MAX_FRAME_BYTES, Duration.ofMillis(200));
        return CoordinatorServer.start(config, InstantSource.system(), OracleSettings.DEFAULTS,
                new ServerTls.Mode.Off(), database);
    }

    private static String submit(CoordinatorApi c, String script) throws Exception {
        var doc = Json.mapper().createObjectNode().put("cpus", "0.25").put("memory", "64m");
        doc.set("command", Json.mapper().valueToTree(List.of("sh", "-c", script)));
        return c.call("POST", "/v1/jobs", doc.toString()).get("id").asText();
    }

    private String text(CoordinatorApi c, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + c.port() + path))
                .header("Authorization", "Bearer " + c.admin()).build(), HttpResponse.BodyHandlers.ofString())
                .body();
    }

    private static void await(String what, CoordinatorApi.Condition c) throws Exception {
        CoordinatorApi.await(what, Duration.ofSeconds(60), c);
    }
}
