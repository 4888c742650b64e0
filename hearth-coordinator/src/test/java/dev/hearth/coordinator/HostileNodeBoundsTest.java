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
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import dev.hearth.coordinator.scheduler.LeasePolicy;
import dev.hearth.coordinator.store.NodeLimits;
import dev.hearth.coordinator.hub.LiveLogs;
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
                Duration.ofSeconds(30), FRAME_CAP, Duration.ofMillis(100))
                .withLeases(new LeasePolicy(Duration.ofMinutes(5), NodeLimits.NONE.withSlots(64), Map.of(), 3)),
                InstantSource.system()); // the flood runs 40 jobs on one node, past the default clamp of 16 slots
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
    private record Node(ScriptedAgent agent, String id, KeyPair key, String token) {
    }

    private Node register() throws Exception {
        return register(1);
    }

    private Node register(int slots) throws Exception {
        String token = api("POST", "/v1/tokens", "{\"ttl\":\"1h\",\"label\":\"bounds\"}").get("token").asText();
        KeyPair key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        ScriptedAgent agent = new ScriptedAgent(server.port());
        agent.send(ResultFrames.hearthRegister(token, key, agent.expect("hello").get("nonce").asText(), slots,
                slots * 2));
        return new Node(agent, agent.expect("registered").get("nodeId").asText(), key, token);
    }

    /** A heartbeat, and its ack: every message sent before it has been handled. */
    private static void settle(Node node) throws Exception {
        node.agent().send("{\"type\":\"heartbeat\",\"nodeId\":\"" + node.id()
                + "\",\"timestamp\":\"2026-12-06T10:00:00Z\",\"state\":\"online\"}");
        node.agent().expect("ack");
    }

    /** Heap in use after collecting, in MiB. */
    private static long heapMib() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20;
    }

    @Test
    @DisplayName("instance_progress floods keep the newest 32 short steps and count the rest; the heap stays bounded")
    void progressFlood() throws Exception {
        Node node = register(0);
        try (ScriptedAgent agent = node.agent()) {
            JsonNode pending = api("POST", "/v1/nodes/" + node.id() + "/instances?wait=0",
                    "{\"id\":\"bot-1\",\"telegramToken\":\"123456:ABC-def\",\"telegramUsers\":\"42\"}");
            String request = agent.expect("instance_create").get("requestId").asText();
            assertThat(request).isEqualTo(pending.get("requestId").asText());
            long before = heapMib();
            String padding = "s".repeat(FRAME_CAP - 200);
            for (int i = 0; i < 400; i++) {
                agent.send("{\"type\":\"instance_progress\",\"requestId\":\"" + request + "\",\"step\":\"" + i
                        + padding + "\"}");
            }
            settle(node);
            long grown = heapMib() - before;
            JsonNode seen = api("GET", "/v1/instances/requests/" + request, null);
            assertThat(seen.get("steps")).hasSize(32);
            assertThat(seen.at("/steps/31/step").asText()).startsWith("399s").hasSize(128);
            assertThat(seen.get("droppedSteps").asLong()).isEqualTo(400 - 32);
            assertThat(grown).as("heap grown by %d MiB for %d MiB sent", grown, 400L * FRAME_CAP >> 20)
                    .isLessThan(15);
        }
    }

    @Test
    @DisplayName("live logs of 40 jobs flooded to their cap stay within the total; logs of leases taken back go")
    void liveLogFlood() throws Exception {
        int jobs = 40;
        Node node = register(jobs);
        try (ScriptedAgent agent = node.agent()) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < jobs; i++) {
                ids.add(api("POST", "/v1/jobs", "{\"command\":[\"hang\"],\"cpus\":\"1\",\"memory\":\"64m\"}")
                        .get("id").asText());
            }
            Map<String, Long> epochs = new HashMap<>();
            for (int i = 0; i < jobs; i++) {
                JsonNode offer = agent.expect("job");
                epochs.put(offer.get("id").asText(), offer.get("epoch").asLong());
            }
            assertThat(epochs.keySet()).containsExactlyInAnyOrderElementsOf(ids);
            long before = heapMib();
            int chunk = FRAME_CAP - 256;
            String text = "L".repeat(chunk);
            for (String id : ids) {
                agent.send("{\"type\":\"job_started\",\"jobId\":\"" + id + "\",\"epoch\":" + epochs.get(id) + "}");
                for (long offset = 0; offset < LiveLogs.MAX_CHARS; offset += chunk) {
                    agent.send("{\"type\":\"job_log\",\"jobId\":\"" + id + "\",\"epoch\":" + epochs.get(id)
                            + ",\"offset\":" + offset + ",\"data\":\"" + text + "\"}");
                }
                settle(node);
            }
            long grown = heapMib() - before;
            assertThat(grown).as("heap grown by %d MiB for %d MiB of logs", grown, (long) jobs * LiveLogs.MAX_CHARS >> 20)
                    .isLessThan(26);
            String last = ids.getLast();
            assertThat(logs(last)).hasSize(LiveLogs.MAX_CHARS);
            assertThat(logs(ids.getFirst())).as("the oldest text was dropped for the newest").isEmpty();

            // the node comes back holding none of them: their leases are taken back, and their live text goes
            try (ScriptedAgent again = new ScriptedAgent(server.port())) {
                again.send(ResultFrames.hearthRegister(node.token(), node.key(),
                        again.expect("hello").get("nonce").asText(), 0));
                again.expect("registered");
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                // the job is requeued first, then its live text forgotten: wait for both
                while (!"queued".equals(api("GET", "/v1/jobs/" + last, null).get("state").asText())
                        || !logs(last).isEmpty()) {
                    assertThat(System.nanoTime()).as("leases taken back and their live text gone within 10 s")
                            .isLessThan(deadline);
                    Thread.sleep(100);
                }
            }
        }
    }

    private String logs(String id) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/jobs/" + id
                + "/logs")).header("Authorization", "Bearer " + admin).build(), HttpResponse.BodyHandlers.ofString())
                .body();
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

    @Test
    @DisplayName("/metrics and /healthz read no job row: they answer with the spec column gone from the database")
    void scrapesReadNoSpecs() throws Exception {
        for (int i = 0; i < 3; i++) {
            api("POST", "/v1/jobs", "{\"command\":[\"echo\",\"" + i + "\"]}");
        }
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("hearth.db"));
                Statement s = db.createStatement()) {
            s.execute("PRAGMA busy_timeout = 5000");
            s.execute("ALTER TABLE jobs RENAME COLUMN spec_json TO spec_json_hidden");
        }
        HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + server.port() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.body()).contains("hearth_jobs{state=\"queued\"} 3.0");
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + server.port() + "/healthz")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
    }

    @Test
    @DisplayName("a final job's stored spec keeps its secrets' names, not their values; a retried job still got them")
    void finalJobsForgetSecrets() throws Exception {
        String secret = "s3cr3t-" + System.nanoTime();
        Node node = register();
        String id;
        try (ScriptedAgent agent = node.agent()) {
            id = api("POST", "/v1/jobs", "{\"command\":[\"echo\",\"x\"],\"retries\":2,\"secrets\":{\"API_KEY\":\""
                    + secret + "\"}}").get("id").asText();
            JsonNode offer = agent.expect("job");
            assertThat(offer.at("/spec/secrets/API_KEY").asText()).isEqualTo(secret);
        }
        // the node comes back without the job: it is taken back and requeued, secrets and all
        try (ScriptedAgent again = new ScriptedAgent(server.port())) {
            again.send(ResultFrames.hearthRegister(node.token(), node.key(), again.expect("hello").get("nonce").asText(),
                    1));
            again.expect("registered");
            JsonNode retry = again.expect("job");
            assertThat(retry.get("id").asText()).isEqualTo(id);
            assertThat(retry.get("epoch").asLong()).isGreaterThan(1);
            assertThat(retry.at("/spec/secrets/API_KEY").asText()).as("a retried job runs with its secret")
                    .isEqualTo(secret);
            assertThat(storedSpec(id)).contains(secret);
            again.send(ResultFrames.frame(ResultFrames.honest(retry, node.id(), node.key(), "x\n", 0)));
            assertThat(again.expect("result_ack").get("accepted").asBoolean()).isTrue();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!"completed".equals(api("GET", "/v1/jobs/" + id, null).get("state").asText())) {
            assertThat(System.nanoTime()).as("completed within 10 s").isLessThan(deadline);
            Thread.sleep(100);
        }
        assertThat(storedSpec(id)).contains("API_KEY").doesNotContain(secret);
    }

    /** The job's spec as the SQLite file holds it, read past the coordinator. */
    private String storedSpec(String id) throws Exception {
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("hearth.db"));
                var s = db.prepareStatement("SELECT spec_json FROM jobs WHERE id = ?")) {
            s.setString(1, id);
            try (var rs = s.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getString(1);
            }
        }
    }
}
