// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.core.json.Json;
import dev.hearth.core.proof.ProofHashes;
import dev.hearth.core.protocol.Protocol;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The coordinator over real HTTP and WebSockets, with scripted v2.0 and Hearth agents")
class CoordinatorServerTest {

    @TempDir
    Path data;
    private CoordinatorServer server;
    private String admin;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        server = CoordinatorServer.start(new CoordinatorConfig("127.0.0.1", 0, data, Duration.ofSeconds(1),
                Duration.ofSeconds(3), 64 * 1024, Duration.ofMillis(200)), InstantSource.system());
        admin = Files.readString(data.resolve("admin.token")).strip();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> call(String method, String path, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode api(String method, String path, String body) throws Exception {
        HttpResponse<String> r = call(method, path, body, admin);
        assertThat(r.statusCode()).as(r.body()).isLessThan(300);
        return Json.mapper().readTree(r.body());
    }

    private String nodeToken() throws Exception {
        return api("POST", "/v1/tokens", "{\"ttl\":\"1h\",\"label\":\"test\"}").get("token").asText();
    }

    private JsonNode awaitJob(String id, String state) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        JsonNode j;
        do {
            j = api("GET", "/v1/jobs/" + id, null);
            if (state.equals(j.path("state").asText())) {
                return j;
            }
            Thread.sleep(100);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("job " + id + " not " + state + " within 15 s: " + j);
    }

    private static String legacyRegister(String token, String host) {
        return "{\"type\":\"register\",\"token\":\"" + token + "\",\"hostInfo\":{\"hostname\":\"" + host
                + "\",\"os\":\"Linux\",\"os_version\":\"6.1.0\",\"arch\":\"x86_64\",\"gpus\":[],"
                + "\"docker_version\":\"20.10.24\",\"agent_version\":\"2.0.0-docker\"}}";
    }

    private static String hearthRegister(String token, KeyPair key, String nonce, String held) throws Exception {
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(key.getPrivate());
        s.update(Protocol.registrationChallenge(nonce));
        String pub = Base64.getEncoder().encodeToString(key.getPublic().getEncoded());
        return "{\"type\":\"register\",\"token\":\"" + token + "\",\"protocol\":\"hearth/1\",\"nodeKey\":\"" + pub
                + "\",\"signature\":\"" + Base64.getEncoder().encodeToString(s.sign()) + "\","
                + "\"hostInfo\":{\"hostname\":\"h2\",\"cpus\":2,\"memory_bytes\":8589934592,\"runtimes\":[\"docker\"]},"
                + "\"capacity\":{\"slots\":2,\"cpus\":2.0,\"memory_bytes\":8589934592,\"gpus\":[]},\"held\":" + held + "}";
    }

    private static KeyPair newKey() throws Exception {
        return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    }

    @Test
    @DisplayName("a Hypernode v2.0 agent registers with its quirks, gets a v2.0-shaped job and its result is recorded")
    void legacyAgent() throws Exception {
        try (ScriptedAgent agent = new ScriptedAgent(server.port())) {
            agent.send(legacyRegister(nodeToken(), "legacy-host"));
            agent.send("{\"type\":\"heartbeat\",\"nodeId\":null,\"timestamp\":\"2026-01-30T10:00:00.123456\","
                    + "\"stats\":{\"jobs_completed\":0,\"jobs_failed\":0,\"total_uptime\":0,\"active_jobs\":0,\"gpus\":[]}}");
            String nodeId = agent.expect("registered").get("nodeId").asText();
            agent.send("{\"type\":\"heartbeat\",\"nodeId\":\"" + nodeId + "\",\"timestamp\":\"2026-01-30T10:00:10.5\","
                    + "\"stats\":{\"jobs_completed\":0,\"jobs_failed\":0,\"total_uptime\":10,\"active_jobs\":0,\"gpus\":[]}}");
            agent.expect("ack");
            String id = api("POST", "/v1/jobs", "{\"command\":[\"echo\",\"hi\"],\"memory\":\"1g\"}").get("id").asText();
            JsonNode job = agent.expect("job");
            assertThat(job.get("id").asText()).isEqualTo(id);
            assertThat(job.get("memoryLimit").asText()).isEqualTo("1g");
            assertThat(job.get("cpuLimit").asDouble()).isEqualTo(1.5);
            assertThat(job.has("requirements")).isTrue();
            agent.send(ResultFrames.legacy(id, nodeId, "hi\n"));
            JsonNode done = awaitJob(id, "completed");
            assertThat(done.at("/result/status").asText()).isEqualTo("completed");
            assertThat(done.at("/result/nodeId").asText()).isEqualTo(nodeId);
            assertThat(done.at("/verdict/outcome").asText()).as("a v2.0 result is accepted unsigned")
                    .isEqualTo("unsigned");
            assertThat(api("GET", "/v1/nodes", null).at("/nodes/0/protocol").asText()).isEqualTo("hypernode/2.0");
            String logs = call("GET", "/v1/jobs/" + id + "/logs", null, admin).body();
            assertThat(logs).isEqualTo("hi\n");
        }
    }

    @Test
    @DisplayName("malformed frames and unknown types get stable error codes and the connection survives")
    void badFrames() throws Exception {
        try (ScriptedAgent agent = new ScriptedAgent(server.port())) {
            agent.send("{not json");
            assertThat(agent.expect("error").get("code").asText()).isEqualTo("invalid_message");
            agent.send("{\"type\":\"teleport\"}");
            JsonNode e = agent.expect("error");
            assertThat(e.get("code").asText()).isEqualTo("unknown_type");
            assertThat(e.get("message").asText()).isEqualTo("Unknown message type: teleport");
            agent.send("{\"type\":\"job_result\",\"id\":\"x\",\"status\":\"completed\",\"success\":true,\"logs\":\"\",\"exitCode\":0}");
            assertThat(agent.expect("error").get("code").asText()).isEqualTo("not_registered");
            agent.send(legacyRegister(nodeToken(), "still-alive"));
            assertThat(agent.expect("registered").get("nodeId").asText()).isNotBlank();
        }
    }

    @Test
    @DisplayName("an oversize frame is refused with frame_too_large and close 1009; other nodes are unaffected")
    void oversize() throws Exception {
        try (ScriptedAgent big = new ScriptedAgent(server.port()); ScriptedAgent other = new ScriptedAgent(server.port())) {
            big.send("{\"type\":\"pong\",\"pad\":\"" + "x".repeat(100 * 1024) + "\"}");
            assertThat(big.closeStatus()).isEqualTo(1009);
            other.send(legacyRegister(nodeToken(), "other"));
            assertThat(other.expect("registered").get("nodeId").asText()).isNotBlank();
        }
    }

    @Test
    @DisplayName("tokens: unknown refused; a Hearth node reconnects with its key; another key is refused")
    void tokens() throws Exception {
        try (ScriptedAgent bad = new ScriptedAgent(server.port())) {
            bad.send(legacyRegister("hnt_nope", "x"));
            JsonNode e = bad.expect("error");
            assertThat(e.get("code").asText()).isEqualTo("invalid_token");
            assertThat(e.get("message").asText()).isEqualTo("Invalid token");
            assertThat(bad.closeStatus()).isEqualTo(1008);
        }
        String token = nodeToken();
        KeyPair key = newKey();
        String first;
        try (ScriptedAgent a = new ScriptedAgent(server.port())) {
            a.send(hearthRegister(token, key, a.expect("hello").get("nonce").asText(), "[]"));
            JsonNode reg = a.expect("registered");
            assertThat(reg.get("protocol").asText()).isEqualTo("hearth/1");
            first = reg.get("nodeId").asText();
        }
        try (ScriptedAgent again = new ScriptedAgent(server.port())) {
            again.send(hearthRegister(token, key, again.expect("hello").get("nonce").asText(), "[]"));
            assertThat(again.expect("registered").get("nodeId").asText()).isEqualTo(first);
        }
        try (ScriptedAgent thief = new ScriptedAgent(server.port())) {
            thief.send(hearthRegister(token, newKey(), thief.expect("hello").get("nonce").asText(), "[]"));
            assertThat(thief.expect("error").get("code").asText()).isEqualTo("token_bound_to_other_node");
        }
        try (ScriptedAgent replay = new ScriptedAgent(server.port())) {
            replay.expect("hello");
            replay.send(hearthRegister(token, key, "not-this-connections-nonce", "[]"));
            assertThat(replay.expect("error").get("code").asText()).isEqualTo("bad_signature");
        }
    }

    @Test
    @DisplayName("a silent node is lost after the TTL; its job moves to another node; the stale result is refused")
    void lostNodeAndStaleResult() throws Exception {
        String tokenA = nodeToken();
        KeyPair keyA = newKey();
        String nodeA;
        String id;
        JsonNode lateOffer;
        try (ScriptedAgent a = new ScriptedAgent(server.port())) {
            a.send(hearthRegister(tokenA, keyA, a.expect("hello").get("nonce").asText(), "[]"));
            nodeA = a.expect("registered").get("nodeId").asText();
            id = api("POST", "/v1/jobs", "{\"command\":[\"true\"]}").get("id").asText();
            JsonNode offer = a.expect("job");
            lateOffer = offer;
            assertThat(offer.get("epoch").asLong()).isEqualTo(1);
            // a never heartbeats: after the TTL it is lost, its socket closed and its job queued again
            awaitJob(id, "queued");
            assertThat(a.closeStatus()).isPositive();
        }
        try (ScriptedAgent b = new ScriptedAgent(server.port())) {
            KeyPair keyB = newKey();
            b.send(hearthRegister(nodeToken(), keyB, b.expect("hello").get("nonce").asText(), "[]"));
            String nodeB = b.expect("registered").get("nodeId").asText();
            JsonNode offerB = b.expect("job");
            assertThat(offerB.get("epoch").asLong()).isEqualTo(2);
            try (ScriptedAgent back = new ScriptedAgent(server.port())) {
                // a comes back still holding the job under epoch 1: told to drop it, and its late result is refused
                back.send(hearthRegister(tokenA, keyA, back.expect("hello").get("nonce").asText(),
                        "[{\"jobId\":\"" + id + "\",\"epoch\":1}]"));
                assertThat(back.expect("registered").get("nodeId").asText()).isEqualTo(nodeA);
                JsonNode cancel = back.expect("job_cancel");
                assertThat(cancel.get("reason").asText()).isEqualTo("stale_lease");
                back.send(ResultFrames.frame(ResultFrames.honest(lateOffer, nodeA, keyA, "late\n", 0)));
                JsonNode refused = back.expect("result_ack");
                assertThat(refused.get("accepted").asBoolean()).isFalse();
                assertThat(refused.get("code").asText()).isEqualTo("stale_lease");
            }
            b.send(ResultFrames.frame(ResultFrames.honest(offerB, nodeB, keyB, "ok\n", 0)));
            JsonNode ack = b.expect("result_ack");
            assertThat(ack.get("accepted").asBoolean()).as(ack.toString()).isTrue();
            assertThat(ack.get("verdict").asText()).isEqualTo("passed");
            JsonNode done = awaitJob(id, "completed");
            assertThat(done.get("attempts").asInt()).isEqualTo(2);
            assertThat(call("GET", "/v1/jobs/" + id + "/logs", null, admin).body()).isEqualTo("ok\n");
            assertThat(done.at("/result/hashesHold").asBoolean()).isTrue();
        }
    }

    @Test
    @DisplayName("a node registering again without a lease: an offer it never got is made again, uncounted; a run it "
            + "lost is attempted again, counted; with no attempts left the job fails")
    void unclaimedLeases() throws Exception {
        String token = nodeToken();
        KeyPair key = newKey();
        String id = api("POST", "/v1/jobs", "{\"command\":[\"true\"],\"retries\":1}").get("id").asText();
        try (ScriptedAgent a = new ScriptedAgent(server.port())) {
            a.send(hearthRegister(token, key, a.expect("hello").get("nonce").asText(), "[]"));
            a.expect("registered");
            assertThat(a.expect("job").get("epoch").asLong()).isEqualTo(1);
        } // the offer is dropped unread, as when a connection or the coordinator goes down under it
        JsonNode offer;
        try (ScriptedAgent a = new ScriptedAgent(server.port())) {
            a.send(hearthRegister(token, key, a.expect("hello").get("nonce").asText(), "[]"));
            String node = a.expect("registered").get("nodeId").asText();
            offer = a.expect("job");
            assertThat(offer.get("epoch").asLong()).isEqualTo(2);
            JsonNode leased = api("GET", "/v1/jobs/" + id, null);
            assertThat(leased.get("attempts").asInt()).as("an offer that never arrived is no attempt").isEqualTo(1);
            a.send("{\"type\":\"job_started\",\"jobId\":\"" + id + "\",\"epoch\":2}");
            awaitJob(id, "running");
            a.send("{\"type\":\"heartbeat\",\"nodeId\":\"" + node + "\",\"timestamp\":\"2026-11-23T09:00:00Z\"}");
        }
        try (ScriptedAgent a = new ScriptedAgent(server.port())) {
            // restarted without the run: the job is attempted again (its second and last attempt)
            a.send(hearthRegister(token, key, a.expect("hello").get("nonce").asText(), "[]"));
            String node = a.expect("registered").get("nodeId").asText();
            JsonNode again = a.expect("job");
            assertThat(again.get("epoch").asLong()).isEqualTo(3);
            JsonNode job = api("GET", "/v1/jobs/" + id, null);
            assertThat(job.get("attempts").asInt()).isEqualTo(2);
            // the lost run's late result is refused
            a.send(ResultFrames.frame(ResultFrames.honest(offer, node, key, "late\n", 0)));
            JsonNode refused = a.expect("result_ack");
            assertThat(refused.get("accepted").asBoolean()).isFalse();
            assertThat(refused.get("code").asText()).isEqualTo("stale_lease");
            a.send("{\"type\":\"job_started\",\"jobId\":\"" + id + "\",\"epoch\":3}");
            awaitJob(id, "running");
        }
        try (ScriptedAgent a = new ScriptedAgent(server.port())) {
            a.send(hearthRegister(token, key, a.expect("hello").get("nonce").asText(), "[]"));
            a.expect("registered");
            JsonNode failed = awaitJob(id, "failed");
            assertThat(failed.get("reason").asText()).contains("registered again without job " + id)
                    .contains("no attempts left (2 of 2 used)");
        }
    }

    @Test
    @DisplayName("GPU jobs get distinct GPUs of a node; one that finds none free waits, then gets the freed one")
    void gpuPlacement() throws Exception {
        KeyPair key = newKey();
        try (ScriptedAgent a = new ScriptedAgent(server.port())) {
            String gpu = "{\"index\":%d,\"model\":\"NVIDIA H100 80GB HBM3\",\"vram_total\":\"81559 MiB\","
                    + "\"vram_free\":\"81000 MiB\",\"utilization\":\"0%%\",\"uuid\":\"GPU-%d\"}";
            String register = hearthRegister(nodeToken(), key, a.expect("hello").get("nonce").asText(), "[]")
                    .replace("\"runtimes\":[\"docker\"]", "\"runtimes\":[\"docker\"],\"gpus\":["
                            + gpu.formatted(0, 0) + "," + gpu.formatted(1, 1) + "]")
                    .replace("\"gpus\":[]}", "\"gpus\":[0,1]}");
            a.send(register);
            String node = a.expect("registered").get("nodeId").asText();
            String job = "{\"command\":[\"nvidia-smi\"],\"cpus\":\"0.5\",\"memory\":\"64m\",\"gpus\":{\"count\":1}}";
            String first = api("POST", "/v1/jobs", job).get("id").asText();
            String second = api("POST", "/v1/jobs", job).get("id").asText();
            JsonNode o1 = a.expect("job");
            JsonNode o2 = a.expect("job");
            java.util.Set<Integer> given = new java.util.HashSet<>();
            given.add(o1.at("/spec/gpuIndexes/0").asInt());
            given.add(o2.at("/spec/gpuIndexes/0").asInt());
            assertThat(given).containsExactlyInAnyOrder(0, 1);
            assertThat(o1.get("gpuRequired").asBoolean()).isTrue();
            String third = api("POST", "/v1/jobs", job).get("id").asText();
            JsonNode waiting = awaitJob(third, "queued");
            for (int i = 0; i < 3; i++) { // stay alive (TTL 3 s) while the third job waits
                a.send("{\"type\":\"heartbeat\",\"nodeId\":\"" + node + "\",\"timestamp\":\"2026-11-23T09:00:00Z\"}");
                Thread.sleep(500);
            }
            assertThat(api("GET", "/v1/jobs/" + third, null).path("state").asText()).isEqualTo("queued");
            JsonNode done = o1.get("id").asText().equals(first) ? o1 : o2;
            a.send(ResultFrames.frame(ResultFrames.honest(done, node, key, "ok\n", 0)));
            assertThat(a.expect("result_ack").get("verdict").asText()).isEqualTo("passed");
            JsonNode o3 = a.expect("job");
            assertThat(o3.get("id").asText()).isEqualTo(third);
            assertThat(o3.at("/spec/gpuIndexes/0").asInt()).isEqualTo(done.at("/spec/gpuIndexes/0").asInt());
            assertThat(second).isNotEqualTo(third);
            assertThat(waiting.path("state").asText()).isEqualTo("queued");
        }
    }

    @Test
    @DisplayName("health, metrics and the admin token guard")
    void healthMetricsAuth() throws Exception {
        assertThat(call("GET", "/healthz", null, null).body()).contains("\"status\":\"ok\"");
        assertThat(call("GET", "/metrics", null, null).body()).contains("hearth_agents_connected");
        HttpResponse<String> denied = call("GET", "/v1/jobs", null, "wrong");
        assertThat(denied.statusCode()).isEqualTo(401);
        for (String path : new String[] {"/v1/jobs/x", "/v1/nodes/x", "/v1/tokens", "/v1/tokens/x"}) {
            assertThat(call("GET", path, null, null).statusCode()).as(path).isEqualTo(401);
        }
        HttpResponse<String> bad = call("POST", "/v1/jobs", "{\"command\":[\"true\"],\"memory\":\"12q\"}", admin);
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("\"field\":\"memory\"").contains("memory '12q' is invalid");
        assertThat(call("GET", "/v1/jobs?state=nope", null, admin).body()).contains("\"field\":\"state\"");
        assertThat(call("POST", "/v1/tokens", "{\"ttl\":\"0s\"}", admin).body()).contains("\"field\":\"ttl\"");
        assertThat(data.resolve("admin.token")).satisfies(p -> assertThat(
                java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p)))
                .isEqualTo("rw-------"));
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
