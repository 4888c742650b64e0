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
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.InstantSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("A hostile node cannot make the coordinator hold unbounded state, nor knock itself off with a result")
class HostileNodeBoundsTest {

    private static final int FRAME_CAP = 64 * 1024;

    @TempDir
    Path data;
    private CoordinatorServer server;
    private String admin;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        server = CoordinatorServer.start(new CoordinatorConfig("127.0.0.1", 0, data, Duration.ofSeconds(1),
                Duration.ofSeconds(30), FRAME_CAP, Duration.ofMillis(100)), InstantSource.system());
        admin = Files.readString(data.resolve("admin.token")).strip();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private JsonNode api(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + admin);
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isLessThan(300);
        return Json.mapper().readTree(r.body());
    }

    /** A registered Hearth node on a raw socket, and the id the coordinator gave it. */
    private record Node(ScriptedAgent agent, String id, KeyPair key) {
    }

    private Node register() throws Exception {
        String token = api("POST", "/v1/tokens", "{\"ttl\":\"1h\",\"label\":\"bounds\"}").get("token").asText();
        KeyPair key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        ScriptedAgent agent = new ScriptedAgent(server.port());
        agent.send(ResultFrames.hearthRegister(token, key, agent.expect("hello").get("nonce").asText(), 1));
        return new Node(agent, agent.expect("registered").get("nodeId").asText(), key);
    }

    @Test
    @DisplayName("a job_result over the frame cap gets result_too_large naming the job; the next result is accepted")
    void oversizeResultIsAnswered() throws Exception {
        Node node = register();
        try (ScriptedAgent agent = node.agent()) {
            String first = api("POST", "/v1/jobs", "{\"command\":[\"echo\",\"big\"]}").get("id").asText();
            JsonNode offer = agent.expect("job");
            assertThat(offer.get("id").asText()).isEqualTo(first);
            String huge = ResultFrames.frame(ResultFrames.honest(offer, node.id(), node.key(),
                    "x".repeat(FRAME_CAP * 2), 0));
            agent.sendFragments(huge, 16 * 1024);
            JsonNode ack = agent.expect("result_ack");
            assertThat(ack.get("jobId").asText()).isEqualTo(first);
            assertThat(ack.get("epoch").asLong()).isEqualTo(offer.get("epoch").asLong());
            assertThat(ack.get("accepted").asBoolean()).isFalse();
            assertThat(ack.get("code").asText()).isEqualTo("result_too_large");
            assertThat(agent.isClosed()).isFalse();
            assertThat(api("GET", "/v1/jobs/" + first, null).get("state").asText()).as("the lease ended")
                    .isIn("failed", "queued");

            String second = api("POST", "/v1/jobs", "{\"command\":[\"echo\",\"small\"]}").get("id").asText();
            JsonNode next = agent.expect("job");
            assertThat(next.get("id").asText()).isEqualTo(second);
            agent.sendFragments(ResultFrames.frame(ResultFrames.honest(next, node.id(), node.key(), "small\n", 0)),
                    16 * 1024);
            JsonNode ok = agent.expect("result_ack");
            assertThat(ok.get("jobId").asText()).isEqualTo(second);
            assertThat(ok.get("accepted").asBoolean()).as(ok.toString()).isTrue();
        }
    }
}
