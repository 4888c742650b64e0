// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.oracle;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.coordinator.CoordinatorConfig;
import dev.hearth.coordinator.CoordinatorServer;
import dev.hearth.coordinator.ResultFrames;
import dev.hearth.coordinator.ScriptedAgent;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A real coordinator (real store, real WebSockets, real oracle) for the oracle's tests, with a listener that
 * records every verdict it announces (what a ledger would credit from), and scripted Hearth nodes with real keys.
 */
final class OracleCluster implements AutoCloseable {

    /** A scripted Hearth node: its socket, key and node id. */
    record Node(ScriptedAgent agent, KeyPair key, String id) implements AutoCloseable {
        @Override
        public void close() {
            agent.close();
        }
    }

    final Path data;
    final Map<String, List<Verdict>> heard = new ConcurrentHashMap<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<AutoCloseable> opened = new ArrayList<>();
    CoordinatorServer server;
    private String admin;

    OracleCluster(Path data) {
        this.data = data;
    }

    /** Starts (or restarts, on the same data) the coordinator with this policy. */
    OracleCluster start(OraclePolicy policy, boolean paused) throws Exception {
        VerdictListener recorder = (jobId, nodeId, v) -> heard.computeIfAbsent(jobId,
                k -> new CopyOnWriteArrayList<>()).add(v);
        server = CoordinatorServer.start(new CoordinatorConfig("127.0.0.1", 0, data, Duration.ofSeconds(1),
                Duration.ofSeconds(30), 256 * 1024, Duration.ofMillis(100)), InstantSource.system(),
                new OracleSettings(policy, List.of(recorder), paused));
        admin = Files.readString(data.resolve("admin.token")).strip();
        return this;
    }

    static KeyPair newKey() throws Exception {
        return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    }

    /** Registers a Hearth node with a fresh key and {@code slots} slots. */
    Node hearthNode(int slots) throws Exception {
        KeyPair key = newKey();
        ScriptedAgent a = new ScriptedAgent(server.port());
        opened.add(a);
        a.send(ResultFrames.hearthRegister(token(), key, a.expect("hello").get("nonce").asText(), slots));
        return new Node(a, key, a.expect("registered").get("nodeId").asText());
    }

    String token() throws Exception {
        return api("POST", "/v1/tokens", "{\"label\":\"oracle\"}").get("token").asText();
    }

    /** Submits a job; returns its id. */
    String submit(String job) throws Exception {
        return api("POST", "/v1/jobs", job).get("id").asText();
    }

    JsonNode job(String id) throws Exception {
        return api("GET", "/v1/jobs/" + id, null);
    }

    HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .header("Authorization", "Bearer " + admin).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonNode api(String method, String path, String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                        + path)).header("Authorization", "Bearer " + admin).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isLessThan(300);
        return Json.mapper().readTree(r.body());
    }

    /** Polls the job until it is in {@code state}; fails after 15 s with what it last saw. */
    JsonNode awaitJob(String id, String state) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        JsonNode j;
        do {
            j = job(id);
            if (state.equals(j.path("state").asText())) {
                return j;
            }
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("job " + id + " not " + state + " within 15 s: " + j);
    }

    /** How the ledger settled the job's held price ({@code released} or {@code refunded}); fails after 15 s held. */
    String settledPayment(String id) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        String payment;
        do {
            payment = job(id).path("payment").asText();
            if (!payment.equals("held")) {
                return payment;
            }
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("job " + id + " still held after 15 s");
    }

    /** Verdicts the listener heard for a job that would credit its node (passed). */
    long credited(String jobId) {
        return heard.getOrDefault(jobId, List.of()).stream().filter(Verdict::passed).count();
    }

    /** Stops the coordinator (its data stays) and the scripted nodes. */
    void stop() {
        for (AutoCloseable c : opened) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        opened.clear();
        if (server != null) {
            server.close();
            server = null;
        }
    }

    @Override
    public void close() {
        stop();
    }
}
