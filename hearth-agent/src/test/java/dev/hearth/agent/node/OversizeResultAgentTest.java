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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("A real agent whose result is too large for the coordinator sets it aside and delivers the next one")
class OversizeResultAgentTest {

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();
    private CoordinatorServer coordinator;
    private String admin;

    @Test
    @DisplayName("1000 long output names over a 64 KiB cap: refused, dead-lettered, and the next job completes")
    void nextResultGetsThrough() throws Exception {
        DockerFixture.driver();
        Path data = dir.resolve("coordinator");
        CoordinatorServer server = CoordinatorServer.start(new CoordinatorConfig("127.0.0.1", 0, data,
                Duration.ofSeconds(1), Duration.ofSeconds(30), 64 * 1024, Duration.ofMillis(200)),
                InstantSource.system());
        coordinator = server;
        Path state = dir.resolve("agent");
        try (server) {
            admin = Files.readString(data.resolve("admin.token")).strip();
            String token = api("POST", "/v1/tokens", "{\"label\":\"oversize\"}").get("token").asText();
            AgentConfig config = AgentConfig.resolve(Map.of(AgentConfig.Key.ENDPOINT, "ws://127.0.0.1:"
                    + coordinator.port(), AgentConfig.Key.HEARTBEAT_INTERVAL, "1s", AgentConfig.Key.HEALTH_PORT, "0"),
                    Map.of("HN_NODE_TOKEN", token), null, state, 1);
            Outbox outbox = Outbox.open(state);
            try (NodeAgent agent = new NodeAgent(config, DockerDriver.connect(), NodeIdentity.loadOrCreate(state),
                    outbox, new HostInventory(new NvidiaSmi()).read(List.of("docker"), "test", "test"),
                    InstantSource.system())) {
                agent.start();
                String big = submit("for i in $(seq 1000); do : > /job/out/$(printf '%0200d' $i); done; echo made");
                await("the big job's lease ended", () -> job(big).path("state").asText().equals("failed"));
                await("the refused result set aside", () -> outbox.deadLetters().size() == 1);
                Path kept = outbox.deadLetters().getFirst();
                assertThat(Files.readString(kept.resolveSibling(kept.getFileName() + ".reason")))
                        .contains(big).contains("result_too_large");
                assertThat(outbox.pending()).isEmpty();

                String next = submit("echo next");
                await("the next job completed", () -> job(next).path("state").asText().equals("completed"));
                assertThat(outbox.pending()).isEmpty();
                assertThat(DockerFixture.hearthContainers(big)).isEmpty();
            }
        }
    }

    private String submit(String script) throws Exception {
        var doc = Json.mapper().createObjectNode().put("cpus", "0.25").put("memory", "64m");
        doc.set("command", Json.mapper().valueToTree(List.of("sh", "-c", script)));
        return api("POST", "/v1/jobs", doc.toString()).get("id").asText();
    }

    private JsonNode job(String id) throws Exception {
        return api("GET", "/v1/jobs/" + id, null);
    }

    private JsonNode api(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + coordinator.port() + path))
                .header("Authorization", "Bearer " + admin).method(method, body == null
                        ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("%s %s: %s", method, path, r.body()).isLessThan(300);
        return Json.mapper().readTree(r.body());
    }

    private interface Condition {
        boolean holds() throws Exception;
    }

    private static void await(String what, Condition c) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!c.holds()) {
            assertThat(System.nanoTime()).as("%s within 60 s", what).isLessThan(deadline);
            Thread.sleep(200);
        }
    }
}
