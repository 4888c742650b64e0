// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.adversary;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.coordinator.CoordinatorConfig;
import dev.hearth.coordinator.ResultFrames;
import dev.hearth.coordinator.ScriptedAgent;
import dev.hearth.coordinator.logs.JobLogLimits;
import dev.hearth.coordinator.oracle.OracleSettings;
import dev.hearth.core.json.Json;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Full logs and their follow, against a real coordinator and a scripted node: the whole output is kept past the proof
 * logs' 10,000 characters and capped on disk, a follow streams what arrives and ends with the result or its deadline,
 * says when the job is placed again, and follows are capped per caller.
 */
@DisplayName("Full logs are kept whole up to their cap, and a follow streams them until the job's end")
class LogFollowTest extends AdversaryScenario {

    private final HttpClient http = HttpClient.newHttpClient();

    private void start(JobLogLimits limits) throws Exception {
        coordinator = AdversaryCoordinator.start(new CoordinatorConfig("127.0.0.1", 0, data, Duration.ofSeconds(1),
                Duration.ofSeconds(30), 1 << 20, Duration.ofMillis(100)).withJobLogs(limits),
                OracleSettings.DEFAULTS);
    }

    private record Node(ScriptedAgent agent, String id, KeyPair key) {
    }

    private Node register() throws Exception {
        KeyPair key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        ScriptedAgent agent = coordinator.closeLater(new ScriptedAgent(coordinator.port()));
        agent.send(ResultFrames.hearthRegister(coordinator.token(), key, agent.expect("hello").get("nonce").asText(),
                1));
        return new Node(agent, agent.expect("registered").get("nodeId").asText(), key);
    }

    private static void log(Node node, JsonNode offer, long offset, String data) throws Exception {
        node.agent().send("{\"type\":\"job_log\",\"jobId\":\"" + offer.get("id").asText() + "\",\"epoch\":"
                + offer.get("epoch").asLong() + ",\"offset\":" + offset + ",\"data\":"
                + Json.mapper().writeValueAsString(data) + "}");
    }

    private HttpRequest.Builder get(String path) throws Exception {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + coordinator.port() + path))
                .header("Authorization", "Bearer " + Files.readString(data.resolve("admin.token")).strip());
    }

    /** Reads a follow's body as it streams, into {@code into}; completes when the stream ends. */
    private CompletableFuture<HttpResponse<InputStream>> follow(String path, StringBuffer into) throws Exception {
        HttpResponse<InputStream> r = http.send(get(path).build(), HttpResponse.BodyHandlers.ofInputStream());
        return CompletableFuture.supplyAsync(() -> {
            try (InputStream in = r.body()) {
                byte[] buf = new byte[8192];
                for (int n; (n = in.read(buf)) >= 0; ) {
                    into.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                }
                return r;
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    private static void await(String what, java.util.function.BooleanSupplier c) throws InterruptedException {
        AdversaryCoordinator.await(what, c);
    }

    @Test
    @DisplayName("a follow gets what exists, then each chunk as it arrives, and ends with the result; the full log "
            + "outlives the 10,000-character proof logs")
    void followToTheEnd() throws Exception {
        start(JobLogLimits.DEFAULTS);
        Node node = register();
        String id = coordinator.submit("hang", "1h", 0);
        JsonNode offer = node.agent().expect("job");
        String first = "a".repeat(30_000) + "\n";
        log(node, offer, 0, first);
        await("the first chunk is kept", () -> body("/v1/jobs/" + id + "/logs").length() == first.length());

        StringBuffer got = new StringBuffer();
        var stream = follow("/v1/jobs/" + id + "/logs?follow=1&offset=10", got);
        await("the follow delivers what exists", () -> got.length() == first.length() - 10);
        long t0 = System.nanoTime();
        log(node, offer, first.length(), "second €\n");
        await("the follow delivers the next chunk", () -> got.toString().endsWith("second €\n"));
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).as("woken by the chunk, not a poll")
                .isLessThan(1500);
        assertThat(stream).isNotDone();

        node.agent().send(ResultFrames.frame(ResultFrames.honest(offer, node.id(), node.key(), first.substring(0,
                10_000), 0)));
        assertThat(node.agent().expect("result_ack").get("accepted").asBoolean()).isTrue();
        HttpResponse<InputStream> ended = stream.get(10, TimeUnit.SECONDS);
        assertThat(ended.headers().firstValue("Hearth-Log-Source")).contains("full");
        assertThat(ended.headers().firstValue("Hearth-Log-Complete")).contains("false");
        assertThat(got.toString()).isEqualTo(first.substring(10) + "second €\n");

        HttpResponse<String> done = http.send(get("/v1/jobs/" + id + "/logs").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(done.headers().firstValue("Hearth-Log-Complete")).contains("true");
        assertThat(done.headers().firstValue("Hearth-Log-Source")).contains("full");
        assertThat(done.body()).as("the whole output, not the proof logs' 10,000 characters")
                .isEqualTo(first + "second €\n");
        String euro = "second €";
        long bytes = (first + euro).getBytes(StandardCharsets.UTF_8).length;
        assertThat(body("/v1/jobs/" + id + "/logs?offset=" + (bytes - 3))).as("offsets count UTF-8 bytes")
                .isEqualTo("€\n");
        assertThat(body("/v1/jobs/" + id + "/logs?follow=1&offset=" + bytes)).as("a follow of an ended job ends")
                .isEqualTo("\n");
    }

    @Test
    @DisplayName("a lease that streamed nothing leaves the result's proof logs, said so in Hearth-Log-Source")
    void proofFallback() throws Exception {
        start(JobLogLimits.DEFAULTS);
        Node node = register();
        String id = coordinator.submit("hang", "1h", 0);
        JsonNode offer = node.agent().expect("job");
        node.agent().send(ResultFrames.frame(ResultFrames.honest(offer, node.id(), node.key(), "proof only\n", 0)));
        node.agent().expect("result_ack");
        HttpResponse<String> r = http.send(get("/v1/jobs/" + id + "/logs?follow=1").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.headers().firstValue("Hearth-Log-Source")).contains("proof");
        assertThat(r.body()).isEqualTo("proof only\n");
    }

    @Test
    @DisplayName("a job's full log stops at --job-log-max with a truncation line, however long its node streams")
    void diskCap() throws Exception {
        start(new JobLogLimits(1000, Duration.ofMinutes(1)));
        Node node = register();
        String id = coordinator.submit("hang", "1h", 0);
        JsonNode offer = node.agent().expect("job");
        for (int i = 0; i < 50; i++) {
            log(node, offer, i * 400L, "x".repeat(399) + "\n");
        }
        await("the cap is reached", () -> body("/v1/jobs/" + id + "/logs").contains("truncated"));
        String all = body("/v1/jobs/" + id + "/logs");
        assertThat(all).startsWith("x".repeat(399) + "\n").contains("--- hearth: full log truncated at 1000 bytes");
        assertThat(all.length()).isLessThan(1200);
        try (var files = Files.list(data.resolve("logs"))) {
            assertThat(files.mapToLong(f -> f.toFile().length()).sum()).isEqualTo(all.length());
        }
        coordinator.call("POST", "/v1/jobs/" + id + "/cancel", null);
        await("a cancelled job's lease log goes", () -> {
            try (var files = Files.list(data.resolve("logs"))) {
                return files.findAny().isEmpty();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    @Test
    @DisplayName("a follow says when the job is placed again and goes on with the new lease's output")
    void placedAgain() throws Exception {
        start(JobLogLimits.DEFAULTS);
        KeyPair key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        String token = coordinator.token();
        String id = coordinator.submit("hang", "1h", 2);
        JsonNode offer;
        StringBuffer got = new StringBuffer();
        CompletableFuture<HttpResponse<InputStream>> stream;
        try (ScriptedAgent agent = new ScriptedAgent(coordinator.port())) {
            agent.send(ResultFrames.hearthRegister(token, key, agent.expect("hello").get("nonce").asText(), 1));
            String nodeId = agent.expect("registered").get("nodeId").asText();
            offer = agent.expect("job");
            log(new Node(agent, nodeId, key), offer, 0, "old lease\n");
            await("the old lease's output", () -> body("/v1/jobs/" + id + "/logs").equals("old lease\n"));
            stream = follow("/v1/jobs/" + id + "/logs?follow=1", got);
            await("the follow delivers it", () -> got.toString().equals("old lease\n"));
        }
        // the node comes back holding nothing: the job is taken back and placed again under a new epoch
        try (ScriptedAgent again = new ScriptedAgent(coordinator.port())) {
            again.send(ResultFrames.hearthRegister(token, key, again.expect("hello").get("nonce").asText(), 1));
            String nodeId = again.expect("registered").get("nodeId").asText();
            JsonNode retry = again.expect("job");
            long epoch = retry.get("epoch").asLong();
            assertThat(epoch).isGreaterThan(offer.get("epoch").asLong());
            Node node = new Node(again, nodeId, key);
            log(node, retry, 0, "new lease\n");
            await("the new lease's output follows the line", () -> got.toString().equals("old lease\n"
                    + "--- hearth: job placed again (epoch " + epoch + ") ---\nnew lease\n"));
            again.send(ResultFrames.frame(ResultFrames.honest(retry, nodeId, key, "new lease\n", 0)));
            again.expect("result_ack");
            stream.get(10, TimeUnit.SECONDS);
            assertThat(body("/v1/jobs/" + id + "/logs")).isEqualTo("new lease\n");
            try (var files = Files.list(data.resolve("logs"))) {
                assertThat(files.map(f -> f.getFileName().toString()).toList()).as("the old lease's file went")
                        .containsExactly(id + "." + epoch + ".log");
            }
        }
    }

    @Test
    @DisplayName("a follow ends at its deadline while the job runs; a fifth follow of one caller is refused with 429")
    void deadlineAndCap() throws Exception {
        start(new JobLogLimits(1 << 20, Duration.ofSeconds(1)));
        Node node = register();
        String id = coordinator.submit("hang", "1h", 0);
        JsonNode offer = node.agent().expect("job");
        long t0 = System.nanoTime();
        assertThat(body("/v1/jobs/" + id + "/logs?follow=1")).isEmpty();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isBetween(900L, 5000L);
        log(node, offer, 0, "out\n"); // a streamed response's headers go with its first bytes
        await("output", () -> body("/v1/jobs/" + id + "/logs").equals("out\n"));

        List<CompletableFuture<HttpResponse<InputStream>>> open = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            open.add(follow("/v1/jobs/" + id + "/logs?follow=1", new StringBuffer()));
        }
        HttpResponse<String> refused = http.send(get("/v1/jobs/" + id + "/logs?follow=1").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.body()).contains("too_many_streams");
        for (var f : open) {
            f.get(10, TimeUnit.SECONDS);
        }
        HttpResponse<String> bad = http.send(get("/v1/jobs/" + id + "/logs?follow=yes").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("follow");
        coordinator.call("POST", "/v1/jobs/" + id + "/cancel", null);
    }

    private String body(String path) {
        try {
            return http.send(get(path).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
