// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.hearth.coordinator.CoordinatorConfig;
import dev.hearth.coordinator.CoordinatorServer;
import dev.hearth.coordinator.ResultFrames;
import dev.hearth.coordinator.ScriptedAgent;
import dev.hearth.coordinator.ledger.LedgerConfig;
import dev.hearth.coordinator.ledger.RateCard;
import dev.hearth.core.json.Json;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Webhooks: job events reach their owner's endpoint signed as Standard Webhooks, retried; internal URLs refused")
class WebhookTest {

    /** One request a receiver got. */
    record Received(String id, String timestamp, String signature, String body) {
    }

    @TempDir
    Path data;
    private CoordinatorServer server;
    private String admin;
    private HttpServer receiver;
    private final List<Received> alices = new CopyOnWriteArrayList<>();
    private final List<Received> bobs = new CopyOnWriteArrayList<>();
    private final AtomicInteger refuseFirst = new AtomicInteger(2);
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/alice", ex -> {
            alices.add(received(ex));
            ex.sendResponseHeaders(refuseFirst.getAndDecrement() > 0 ? 500 : 204, -1);
            ex.close();
        });
        receiver.createContext("/bob", ex -> {
            bobs.add(received(ex));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        receiver.start();
    }

    private static Received received(com.sun.net.httpserver.HttpExchange ex) throws java.io.IOException {
        return new Received(ex.getRequestHeaders().getFirst("webhook-id"),
                ex.getRequestHeaders().getFirst("webhook-timestamp"), ex.getRequestHeaders().getFirst("webhook-signature"),
                new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
    }

    private void coordinator(List<String> allow) throws Exception {
        LedgerConfig ledger = new LedgerConfig(new RateCard(1000, 500, 0), 100_000_000L, Optional.empty(),
                Duration.ofMillis(50));
        server = CoordinatorServer.start(new CoordinatorConfig("127.0.0.1", 0, data, Duration.ofSeconds(1),
                Duration.ofSeconds(30), 1 << 20, Duration.ofMillis(100), ledger).withWebhookAllow(allow),
                InstantSource.system());
        admin = Files.readString(data.resolve("admin.token")).strip();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        receiver.stop(0);
    }

    @Test
    @DisplayName("alice's job events reach alice's endpoint only, each signed v1 over id.timestamp.body, "
            + "a refused delivery retried with the same id")
    void signedRetriedOwnersOnly() throws Exception {
        coordinator(List.of("127.0.0.0/8"));
        String alice = client("alice");
        String bob = client("bob");
        JsonNode hook = call(alice, "POST", "/v1/webhooks", "{\"url\":\"" + url("/alice") + "\"}", 201);
        String secret = hook.get("secret").asText();
        assertThat(secret).startsWith("whsec_");
        call(bob, "POST", "/v1/webhooks", "{\"url\":\"" + url("/bob") + "\"}", 201);
        assertThat(call(bob, "GET", "/v1/webhooks", null, 200).get("webhooks")).hasSize(1);
        call(bob, "DELETE", "/v1/webhooks/" + hook.get("id").asText(), null, 403);

        String job = call(alice, "POST", "/v1/jobs", "{\"command\":[\"sleep\",\"60\"],\"price\":\"2\"}", 201)
                .get("id").asText();
        call(alice, "POST", "/v1/jobs/" + job + "/cancel", null, 200);

        // two refused attempts, then each of the two messages accepted
        await("job.queued and job.cancelled delivered after two refusals", () -> alices.size() >= 4);
        assertThat(delivered()).containsOnly("job.queued", "job.cancelled");
        for (Received r : alices) {
            assertThat(r.signature()).isEqualTo(sign(secret, r.id() + "." + r.timestamp() + "." + r.body()));
            assertThat(Long.parseLong(r.timestamp())).isCloseTo(System.currentTimeMillis() / 1000,
                    org.assertj.core.data.Offset.offset(60L));
            JsonNode body = Json.mapper().readTree(r.body());
            assertThat(body.at("/data/id").asText()).isEqualTo(job);
        }
        // the first two attempts were answered 500: those messages came again, with the same ids
        Map<String, Long> attempts = alices.stream().collect(java.util.stream.Collectors.groupingBy(Received::id,
                java.util.stream.Collectors.counting()));
        assertThat(attempts).hasSize(2);
        assertThat(attempts.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(4);
        assertThat(bobs).as("bob's endpoint hears nothing of alice's jobs").isEmpty();
    }

    @Test
    @DisplayName("an instance created and then paused through the coordinator is announced as instance.created and "
            + "instance.paused to its owner")
    void instanceCreated() throws Exception {
        coordinator(List.of("127.0.0.0/8"));
        refuseFirst.set(0);
        call(admin, "POST", "/v1/webhooks", "{\"url\":\"" + url("/alice") + "\"}", 201);
        String token = call(admin, "POST", "/v1/tokens", "{\"ttl\":\"1h\"}", 201).get("token").asText();
        try (ScriptedAgent agent = new ScriptedAgent(server.port())) {
            agent.send(ResultFrames.hearthRegister(token, KeyPairGenerator.getInstance("Ed25519").generateKeyPair(),
                    agent.expect("hello").get("nonce").asText(), 0));
            String node = agent.expect("registered").get("nodeId").asText();
            call(admin, "POST", "/v1/nodes/" + node + "/instances?wait=0",
                    "{\"id\":\"bot-1\",\"telegramToken\":\"123456:ABC-def\",\"telegramUsers\":\"42\"}", 202);
            String requestId = agent.expect("instance_create").get("requestId").asText();
            agent.send("{\"type\":\"instance_result\",\"requestId\":\"" + requestId
                    + "\",\"ok\":true,\"instanceId\":\"bot-1\"}");
            await("instance.created delivered", () -> delivered().contains("instance.created"));
            call(admin, "POST", "/v1/nodes/" + node + "/instances/bot-1/pause?wait=0", null, 202);
            String pause = agent.expect("instance_action").get("requestId").asText();
            agent.send("{\"type\":\"instance_result\",\"requestId\":\"" + pause
                    + "\",\"ok\":true,\"instanceId\":\"bot-1\"}");
            await("instance.paused delivered", () -> delivered().contains("instance.paused"));
        }
        Received created = alices.stream().filter(r -> r.body().contains("instance.created")).findFirst().orElseThrow();
        JsonNode body = Json.mapper().readTree(created.body());
        assertThat(body.at("/data/id").asText()).isEqualTo("bot-1");
        assertThat(created.body()).as("no secret in the event").doesNotContain("ABC-def");
    }

    @Test
    @DisplayName("without the operator's allowance a loopback receiver, private and link-local addresses are refused")
    void internalTargetsRefused() throws Exception {
        coordinator(List.of());
        String alice = client("alice");
        for (String url : List.of(url("/alice"), "http://localhost:" + receiver.getAddress().getPort() + "/alice",
                "http://169.254.169.254/latest", "http://10.0.0.1/", "http://[::1]/", "http://[::ffff:127.0.0.1]/",
                "http://100.64.0.1/", "ftp://127.0.0.1/", "http://user:pw@127.0.0.1/")) {
            JsonNode refused = call(alice, "POST", "/v1/webhooks", "{\"url\":\"" + url + "\"}", 400);
            assertThat(refused.get("field").asText()).as(url).isEqualTo("url");
        }
        String job = call(alice, "POST", "/v1/jobs", "{\"command\":[\"true\"],\"price\":\"1\"}", 201).get("id")
                .asText();
        call(alice, "POST", "/v1/jobs/" + job + "/cancel", null, 200);
        Thread.sleep(300);
        assertThat(alices).as("the live loopback receiver was never reached").isEmpty();
        assertThat(call(alice, "GET", "/v1/webhooks", null, 200).get("webhooks")).isEmpty();
    }

    private List<String> delivered() {
        return alices.stream().map(r -> {
            try {
                return Json.mapper().readTree(r.body()).path("type").asText();
            } catch (java.io.IOException e) {
                throw new AssertionError("a delivery's body is not JSON: " + r.body(), e);
            }
        }).toList();
    }

    private String url(String path) {
        return "http://127.0.0.1:" + receiver.getAddress().getPort() + path;
    }

    private static String sign(String secret, String content) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
        return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(content.getBytes(StandardCharsets.UTF_8)));
    }

    private String client(String name) throws Exception {
        String key = call(admin, "POST", "/v1/clients", "{\"name\":\"" + name + "\"}", 201).get("key").asText();
        call(admin, "POST", "/v1/ledger/deposits", "{\"account\":\"client:" + name + "\",\"amount\":\"10\"}", 201);
        return key;
    }

    private JsonNode call(String key, String method, String path, String body, int status) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                + path)).method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + key).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isEqualTo(status);
        return r.body().isBlank() ? Json.mapper().createObjectNode() : Json.mapper().readTree(r.body());
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what + " within 15 s").isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
