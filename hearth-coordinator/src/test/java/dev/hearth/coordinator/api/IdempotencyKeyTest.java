// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.coordinator.CoordinatorConfig;
import dev.hearth.coordinator.CoordinatorServer;
import dev.hearth.coordinator.ResultFrames;
import dev.hearth.coordinator.ScriptedAgent;
import dev.hearth.coordinator.ledger.LedgerConfig;
import dev.hearth.coordinator.ledger.RateCard;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Idempotency-Key: a retried create returns the first answer and creates (and holds) nothing more")
class IdempotencyKeyTest {

    private static final String JOB = "{\"command\":[\"sleep\",\"60\"],\"price\":\"2\"}";

    @TempDir
    Path data;
    private final AtomicReference<Duration> ahead = new AtomicReference<>(Duration.ZERO);
    private CoordinatorServer server;
    private String admin;
    private ApiCalls api;

    @BeforeEach
    void start() throws Exception {
        LedgerConfig ledger = new LedgerConfig(new RateCard(1000, 500, 0), 100_000_000L, Optional.empty(), Duration.ofMillis(50));
        InstantSource clock = () -> Instant.now().plus(ahead.get());
        server = CoordinatorServer.start(new CoordinatorConfig("127.0.0.1", 0, data, Duration.ofSeconds(1),
                Duration.ofSeconds(30), 1 << 20, Duration.ofMillis(100), ledger)
                .withIdempotencyRetention(Duration.ofHours(24)), clock);
        admin = Files.readString(data.resolve("admin.token")).strip();
        api = new ApiCalls(server.port(), admin);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    @DisplayName("the same key and body answers 201 with the same job, replayed, and the price is held once")
    void retryReplays() throws Exception {
        String alice = client("alice", "10");
        HttpResponse<String> first = post(alice, "/v1/jobs", JOB, "retry-1");
        HttpResponse<String> again = post(alice, "/v1/jobs", JOB, "\"retry-1\"");
        assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
        assertThat(again.statusCode()).as(again.body()).isEqualTo(201);
        assertThat(json(again).get("id").asText()).isEqualTo(json(first).get("id").asText());
        assertThat(again.headers().firstValue("Idempotent-Replayed")).contains("true");
        assertThat(first.headers().firstValue("Idempotent-Replayed")).isEmpty();
        assertThat(jobs(alice)).hasSize(1);
        assertThat(balance("alice")).isEqualTo("8");
    }

    @Test
    @DisplayName("the same key with another body is refused 422 naming the header; another client's same key is its own")
    void mismatchAndPerClient() throws Exception {
        String alice = client("alice", "10");
        String bob = client("bob", "10");
        String id = json(post(alice, "/v1/jobs", JOB, "k-1")).get("id").asText();
        HttpResponse<String> other = post(alice, "/v1/jobs", JOB.replace("60", "61"), "k-1");
        assertThat(other.statusCode()).as(other.body()).isEqualTo(422);
        assertThat(json(other).get("code").asText()).isEqualTo("idempotency_key_reused");
        assertThat(json(other).get("field").asText()).isEqualTo("Idempotency-Key");
        HttpResponse<String> bobs = post(bob, "/v1/jobs", JOB, "k-1");
        assertThat(bobs.statusCode()).as(bobs.body()).isEqualTo(201);
        assertThat(json(bobs).get("id").asText()).isNotEqualTo(id);
        assertThat(bobs.headers().firstValue("Idempotent-Replayed")).isEmpty();
        assertThat(balance("alice")).isEqualTo("8");
        assertThat(balance("bob")).isEqualTo("8");
    }

    @Test
    @DisplayName("a key too long or of other characters is refused 400 naming the header and its form")
    void keyForm() throws Exception {
        String alice = client("alice", "10");
        for (String bad : List.of("x".repeat(256), "has space", "key/with/slash")) {
            HttpResponse<String> r = post(alice, "/v1/jobs", JOB, bad);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
            assertThat(json(r).get("field").asText()).isEqualTo("Idempotency-Key");
            assertThat(json(r).get("detail").asText()).contains("1 to 255 characters");
        }
        assertThat(post(alice, "/v1/jobs", JOB, "x".repeat(255)).statusCode()).isEqualTo(201);
        assertThat(jobs(alice)).hasSize(1);
    }

    @Test
    @DisplayName("a request that failed gives its key back: the retry after a deposit creates the job")
    void failureReleases() throws Exception {
        String carol = client("carol", "1");
        assertThat(post(carol, "/v1/jobs", JOB, "pay-later").statusCode()).isEqualTo(402);
        call("POST", "/v1/ledger/deposits", "{\"account\":\"client:carol\",\"amount\":\"5\"}", 201);
        HttpResponse<String> retried = post(carol, "/v1/jobs", JOB, "pay-later");
        assertThat(retried.statusCode()).as(retried.body()).isEqualTo(201);
        assertThat(retried.headers().firstValue("Idempotent-Replayed")).isEmpty();
        assertThat(balance("carol")).isEqualTo("4");
    }

    @Test
    @DisplayName("16 parallel requests with one key create one job and hold its price once; the others replay or wait")
    void parallelDuplicates() throws Exception {
        String alice = client("alice", "100");
        List<Future<HttpResponse<String>>> answers = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(16)) {
            for (int i = 0; i < 16; i++) {
                answers.add(pool.submit(() -> post(alice, "/v1/jobs", JOB, "burst")));
            }
        }
        Set<String> ids = new HashSet<>();
        for (Future<HttpResponse<String>> f : answers) {
            HttpResponse<String> r = f.get();
            assertThat(r.statusCode()).as(r.body()).isIn(201, 409);
            if (r.statusCode() == 201) {
                ids.add(json(r).get("id").asText());
            } else {
                assertThat(json(r).get("code").asText()).isEqualTo("idempotency_key_in_use");
                assertThat(r.headers().firstValue("Retry-After")).contains("1");
            }
        }
        assertThat(ids).hasSize(1);
        assertThat(jobs(alice)).hasSize(1);
        assertThat(balance("alice")).isEqualTo("98");
    }

    @Test
    @DisplayName("after the retention a key is purged: it may carry a new request")
    void retention() throws Exception {
        String alice = client("alice", "10");
        String first = json(post(alice, "/v1/jobs", JOB, "old")).get("id").asText();
        ahead.set(Duration.ofHours(23));
        assertThat(post(alice, "/v1/jobs", JOB.replace("60", "61"), "old").statusCode()).isEqualTo(422);
        ahead.set(Duration.ofHours(25));
        HttpResponse<String> reused = post(alice, "/v1/jobs", JOB.replace("60", "61"), "old");
        assertThat(reused.statusCode()).as(reused.body()).isEqualTo(201);
        assertThat(json(reused).get("id").asText()).isNotEqualTo(first);
    }

    @Test
    @DisplayName("an instance create retried with its key reaches the node once and answers the first request again")
    void instanceCreate() throws Exception {
        String token = call("POST", "/v1/tokens", "{\"ttl\":\"1h\"}", 201).get("token").asText();
        try (ScriptedAgent agent = new ScriptedAgent(server.port())) {
            agent.send(ResultFrames.hearthRegister(token, KeyPairGenerator.getInstance("Ed25519").generateKeyPair(),
                    agent.expect("hello").get("nonce").asText(), 0));
            String node = agent.expect("registered").get("nodeId").asText();
            String doc = "{\"id\":\"bot-1\",\"telegramToken\":\"123456:ABC-def\",\"telegramUsers\":\"42\"}";
            String path = "/v1/nodes/" + node + "/instances?wait=0";
            HttpResponse<String> first = post(admin, path, doc, "bot-1-create");
            assertThat(first.statusCode()).as(first.body()).isEqualTo(202);
            String requestId = agent.expect("instance_create").get("requestId").asText();
            HttpResponse<String> again = post(admin, path, doc, "bot-1-create");
            assertThat(again.statusCode()).as(again.body()).isEqualTo(202);
            assertThat(json(again).get("requestId").asText()).isEqualTo(requestId);
            assertThat(again.headers().firstValue("Location")).contains("/v1/instances/requests/" + requestId);
            assertThat(again.headers().firstValue("Idempotent-Replayed")).contains("true");
            JsonNode next;
            while ((next = agent.next(300)) != null) {
                assertThat(next.path("type").asText()).as("no second create reaches the node")
                        .isNotEqualTo("instance_create");
            }
            assertThat(post(admin, path, doc.replace("42", "43"), "bot-1-create").statusCode()).isEqualTo(422);
        }
    }

    private String client(String name, String deposit) throws Exception {
        return api.client(name, deposit, null);
    }

    private String balance(String name) throws Exception {
        return api.balance(name);
    }

    private JsonNode jobs(String key) throws Exception {
        return api.jobs(key);
    }

    private HttpResponse<String> post(String key, String path, String body, String idempotencyKey) throws Exception {
        return api.send(key, "POST", path, body, idempotencyKey);
    }

    private JsonNode call(String method, String path, String body, int status) throws Exception {
        return api.call(method, path, body, status);
    }

    private HttpResponse<String> send(String key, String method, String path, String body, String idempotencyKey)
            throws Exception {
        return api.send(key, method, path, body, idempotencyKey);
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return ApiCalls.json(r);
    }
}
