// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.adversary;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.coordinator.CoordinatorConfig;
import dev.hearth.coordinator.CoordinatorServer;
import dev.hearth.coordinator.ScriptedHearthNode;
import dev.hearth.coordinator.oracle.CompletionPolicy;
import dev.hearth.coordinator.oracle.OraclePolicy;
import dev.hearth.coordinator.oracle.OracleSettings;
import dev.hearth.coordinator.oracle.TimingPolicy;
import dev.hearth.core.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A real coordinator (SQLite store, WebSockets, oracle, ledger) for the adversary scenarios, with an admin's API
 * client and scripted Hearth nodes holding real Ed25519 keys. Closing it closes the nodes and then the coordinator.
 * Not thread-safe: one test drives it.
 */
final class AdversaryCoordinator implements AutoCloseable {

    final Path data;
    final CoordinatorServer server;
    private final String admin;
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<AutoCloseable> opened = new ArrayList<>();

    private AdversaryCoordinator(Path data, CoordinatorServer server) throws Exception {
        this.data = data;
        this.server = server;
        this.admin = Files.readString(data.resolve("admin.token")).strip();
    }

    /** A coordinator for tests: heartbeats every second, lost after 30 s, 1 MiB frames, a 50 ms tick. */
    static CoordinatorConfig config(Path data) {
        return new CoordinatorConfig("127.0.0.1", 0, data, Duration.ofSeconds(1), Duration.ofSeconds(30), 1 << 20,
                Duration.ofMillis(50));
    }

    /**
     * The oracle for a coordinator on a clock moved by hand: timing lenient, as the scripted runs are timed by the
     * real clock and the leases by the moved one; unsigned results denied, completion on exit 0.
     */
    static final OracleSettings MOVED_CLOCK_ORACLE = new OracleSettings(new OraclePolicy(OraclePolicy.Unsigned.DENY,
            TimingPolicy.LENIENT, CompletionPolicy.EXIT_ZERO), List.of(), false);

    /** Starts a coordinator on {@code config} with {@code oracle}'s settings, on the system clock. */
    static AdversaryCoordinator start(CoordinatorConfig config, OracleSettings oracle) throws Exception {
        return start(config, oracle, InstantSource.system());
    }

    /** Starts a coordinator on {@code config} with {@code oracle}'s settings and {@code clock}. */
    static AdversaryCoordinator start(CoordinatorConfig config, OracleSettings oracle, InstantSource clock)
            throws Exception {
        AdversaryCoordinator c = new AdversaryCoordinator(config.dataDir(),
                CoordinatorServer.start(config, clock, oracle));
        // the submitter's funds: every scenario's jobs are priced, so the ledger's holds are exercised
        c.api("POST", "/v1/ledger/deposits", "{\"account\":\"client:default\",\"amount\":\"1000\"}");
        return c;
    }

    int port() {
        return server.port();
    }

    /** A fresh node token. */
    String token() throws Exception {
        return api("POST", "/v1/tokens", "{\"label\":\"adversary\"}").get("token").asText();
    }

    /** Connects a scripted node with {@code slots} slots; a black hole takes jobs and answers none. */
    ScriptedHearthNode node(int slots, boolean blackHole) throws Exception {
        ScriptedHearthNode n = new ScriptedHearthNode(token(), slots, blackHole);
        opened.add(n);
        n.connect(port());
        return n;
    }

    /** Closes a connection with the coordinator when this closes. */
    <T extends AutoCloseable> T closeLater(T c) {
        opened.add(c);
        return c;
    }

    /** Submits a job priced at 1 credit whose command tells a scripted node how to answer; returns its id. */
    String submit(String outcome, String timeout, int retries) throws Exception {
        return api("POST", "/v1/jobs", "{\"command\":[\"" + outcome + "\"],\"cpus\":\"0.5\",\"memory\":\"64m\","
                + "\"timeout\":\"" + timeout + "\",\"retries\":" + retries + ",\"price\":\"1\"}").get("id").asText();
    }

    JsonNode job(String id) throws Exception {
        return api("GET", "/v1/jobs/" + id, null);
    }

    /** Polls the job until it is in {@code state}; fails after 20 s with what it last saw. */
    JsonNode awaitJob(String id, String state) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        JsonNode j;
        do {
            j = job(id);
            if (state.equals(j.path("state").asText())) {
                return j;
            }
            Thread.sleep(20);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("job " + id + " not " + state + " within 20 s: " + j);
    }

    /** Polls until {@code condition} holds; fails after 20 s naming {@code what}. */
    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": not within 20 s");
            }
            Thread.sleep(20);
        }
    }

    /** Waits until a node whose connection closed is no longer connected, so placement cannot choose it. */
    void awaitGone(String nodeId) throws InterruptedException {
        await("node " + nodeId + " disconnected", () -> {
            try {
                return !api("GET", "/v1/nodes/" + nodeId, null).path("connected").asBoolean();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
    }

    /** Calls the API as the admin. */
    HttpResponse<String> call(String method, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + path))
                .header("Authorization", "Bearer " + admin).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Calls the API as the admin and expects a 2xx answer. */
    JsonNode api(String method, String path, String body) throws Exception {
        HttpResponse<String> r = call(method, path, body);
        assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isBetween(200, 299);
        return Json.mapper().readTree(r.body());
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable c : opened) {
            c.close();
        }
        server.close();
    }
}
