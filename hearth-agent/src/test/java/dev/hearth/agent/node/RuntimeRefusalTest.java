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
import dev.hearth.core.json.Json;
import dev.hearth.sandbox.DockerFixture;
import dev.hearth.sandbox.docker.DockerDriver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("An agent runs a job only in a runtime it set up: an offer for any other is refused, never run in Docker")
class RuntimeRefusalTest {

    @TempDir
    Path dir;

    private CoordinatorApi api;

    @Test
    @DisplayName("a qemu job offered to a node whose agent has only Docker fails with a named error; a Docker job runs")
    void unofferedRuntimeRefused() throws Exception {
        DockerFixture.driver();
        Path data = dir.resolve("coordinator");
        Path state = dir.resolve("agent");
        try (CoordinatorServer server = CoordinatorServer.start(new CoordinatorConfig("127.0.0.1", 0, data,
                Duration.ofSeconds(1), Duration.ofSeconds(30), 1 << 20, Duration.ofMillis(200)),
                InstantSource.system())) {
            api = new CoordinatorApi(server.port(), Files.readString(data.resolve("admin.token")).strip());
            String token = api.call("POST", "/v1/tokens", "{\"label\":\"runtimes\"}").get("token").asText();
            AgentConfig config = AgentConfig.resolve(Map.of(AgentConfig.Key.ENDPOINT, "ws://127.0.0.1:"
                    + server.port(), AgentConfig.Key.HEARTBEAT_INTERVAL, "1s", AgentConfig.Key.HEALTH_PORT, "0"),
                    Map.of("HN_NODE_TOKEN", token), null, state, 1);
            // the inventory claims qemu, so the coordinator offers a qemu job here: the agent, whose only driver is
            // Docker's, stands for a node facing a coordinator that asks for a runtime the node never set up
            try (NodeAgent agent = new NodeAgent(config, Map.of("docker", DockerDriver.connect()),
                    NodeIdentity.loadOrCreate(state), Outbox.open(state), new HostInventory(new NvidiaSmi())
                            .read(List.of("docker", "qemu"), "test", "test"), InstantSource.system(), null)) {
                agent.start();
                String vm = submit("qemu");
                await("the qemu job ended", () -> job(vm).path("state").asText().matches("failed|error"));
                assertThat(job(vm).toString()).contains("job.runtime").contains("qemu")
                        .contains("a runtime this node offers: docker");
                assertThat(DockerFixture.hearthContainers(vm)).isEmpty();

                String box = submit("docker");
                await("the docker job completed", () -> job(box).path("state").asText().equals("completed"));
            }
        }
    }

    private String submit(String runtime) throws Exception {
        var doc = Json.mapper().createObjectNode().put("cpus", "0.25").put("memory", "64m").put("runtime", runtime)
                .put("retries", 0);
        doc.set("command", Json.mapper().valueToTree(List.of("echo", "ran")));
        return api.call("POST", "/v1/jobs", doc.toString()).get("id").asText();
    }

    private JsonNode job(String id) throws Exception {
        return api.call("GET", "/v1/jobs/" + id, null);
    }

    private static void await(String what, CoordinatorApi.Condition c) throws Exception {
        CoordinatorApi.await(what, Duration.ofSeconds(60), c);
    }
}
