// SPDX-License-Identifier: Apache-2.0
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
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * k-of-n jobs over a real coordinator (store, oracle, ledger, scheduler) and scripted Hearth nodes on real
 * WebSockets, each signing its results with its own key; a node "disagrees" by reporting other logs.
 */
@DisplayName("k-of-n redundancy: copies on distinct nodes, the majority's result, flags and shares")
class RedundantJobsTest {

    @TempDir
    Path data;
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<ScriptedHearthNode> nodes = new ArrayList<>();
    private CoordinatorServer server;
    private String admin;

    @BeforeEach
    void start() throws Exception {
        // lost after 2 s of silence, so the lost-node case is quick
        server = CoordinatorServer.start(new CoordinatorConfig("127.0.0.1", 0, data, Duration.ofSeconds(1),
                Duration.ofSeconds(2), 1 << 20, Duration.ofMillis(100)), InstantSource.system());
        admin = Files.readString(data.resolve("admin.token")).strip();
        api("POST", "/v1/ledger/deposits", "{\"account\":\"client:default\",\"amount\":\"100\"}", 201);
    }

    @AfterEach
    void stop() throws Exception {
        assertThat(api("GET", "/v1/ledger/accounts", null, 200).path("totalMicros").asLong())
                .as("the sum of all accounts stays 0").isZero();
        for (ScriptedHearthNode n : nodes) {
            n.close();
        }
        server.close();
    }

    private ScriptedHearthNode node(String logs, boolean blackHole) throws Exception {
        String token = api("POST", "/v1/tokens", "{\"label\":\"copies\"}", 201).get("token").asText();
        ScriptedHearthNode n = new ScriptedHearthNode(token, 4, blackHole);
        n.answerWithLogs(logs);
        n.connect(server.port());
        nodes.add(n);
        return n;
    }

    private String submit(int n, int k) throws Exception {
        return api("POST", "/v1/jobs", "{\"command\":[\"ok\"],\"price\":\"3\",\"redundancy\":{\"n\":" + n
                + ",\"k\":" + k + "}}", 201).get("id").asText();
    }

    @Test
    @DisplayName("one copy of three disagrees: it is flagged and unpaid, the job passes, the two agreeing nodes get a share each")
    void oneDisagrees() throws Exception {
        ScriptedHearthNode a = node("42\n", false);
        ScriptedHearthNode b = node("42\n", false);
        ScriptedHearthNode liar = node("41\n", false);
        String id = submit(3, 2);

        JsonNode job = awaitJob(id, j -> j.path("state").asText().equals("completed")
                && allCopies(j, c -> !c.path("payment").asText().equals("held")));

        assertThat(job.path("redundancy").path("n").asInt()).isEqualTo(3);
        assertThat(job.path("redundancy").path("k").asInt()).isEqualTo(2);
        Map<String, JsonNode> byNode = byNode(job);
        assertThat(byNode).as("three copies on three distinct nodes").containsOnlyKeys(a.nodeId(), b.nodeId(),
                liar.nodeId());
        assertThat(byNode.get(liar.nodeId()).path("flagged").asText()).startsWith("disagrees with the majority of job " + id);
        assertThat(byNode.get(liar.nodeId()).path("verdict").asText()).isEqualTo("passed");
        assertThat(byNode.get(liar.nodeId()).path("payment").asText()).isEqualTo("refunded");
        for (ScriptedHearthNode honest : List.of(a, b)) {
            assertThat(byNode.get(honest.nodeId()).has("flagged")).isFalse();
            assertThat(byNode.get(honest.nodeId()).path("payment").asText()).isEqualTo("released");
            assertThat(nodeView(honest).path("balance").asText()).isEqualTo("1");
            assertThat(nodeView(honest).at("/standing/failedVerification").asInt()).isZero();
        }
        assertThat(nodeView(liar).path("balance").asText()).isEqualTo("0");
        assertThat(nodeView(liar).at("/standing/failedVerification").asInt()).as("a flag counts against the node")
                .isEqualTo(1);
        assertThat(nodeView(liar).at("/standing/verified").asInt()).isZero();
        assertThat(balance("client:default")).as("the disagreeing copy's share came back").isEqualTo("98");
        assertThat(balance("escrow")).isEqualTo("0");
        JsonNode copy = api("GET", "/v1/jobs/" + byNode.get(liar.nodeId()).path("id").asText(), null, 200);
        assertThat(copy.path("copyOf").asText()).isEqualTo(id);
        assertThat(copy.at("/verdict/flagged").asText()).startsWith("disagrees");
    }

    @Test
    @DisplayName("two copies of three disagree with k=2: no two agree, the job fails naming the disagreement, all is refunded")
    void twoDisagree() throws Exception {
        node("1\n", false);
        node("2\n", false);
        node("3\n", false);
        String id = submit(3, 2);

        JsonNode job = awaitJob(id, j -> j.path("state").asText().equals("failed")
                && allCopies(j, c -> c.path("payment").asText().equals("refunded")));

        assertThat(job.path("reason").asText()).startsWith("redundancy: no 2 of 3 copies agree")
                .contains("copies #1").contains("#2").contains("#3").contains("report logsHash");
        assertThat(balance("client:default")).isEqualTo("100");
        for (ScriptedHearthNode n : nodes) {
            assertThat(nodeView(n).path("balance").asText()).isEqualTo("0");
        }
    }

    @Test
    @DisplayName("too few distinct nodes: the last copy waits with a reason; a node lost mid-way has its copy re-placed on a node with none")
    void lostNodeAndWaiting() throws Exception {
        ScriptedHearthNode a = node("42\n", false);
        ScriptedHearthNode b = node("42\n", false);
        String id = submit(3, 3); // all three must agree, so the job waits for every copy

        JsonNode waiting = awaitJob(id, j -> allCopiesPlacedOrWaiting(j));
        JsonNode queued = copyIn(waiting, "queued");
        assertThat(api("GET", "/v1/jobs/" + queued.path("id").asText(), null, 200).path("reason").asText())
                .startsWith("redundancy: waiting for a node that holds no other copy of job " + id);
        assertThat(waiting.path("state").asText()).isEqualTo("redundant");

        ScriptedHearthNode silent = node("42\n", true); // takes the third copy and never answers
        awaitJob(id, j -> byNode(j).containsKey(silent.nodeId()));
        String lostCopy = byNode(job(id)).get(silent.nodeId()).path("id").asText();
        ScriptedHearthNode d = node("42\n", false);
        silent.fallSilent();

        JsonNode done = awaitJob(id, j -> j.path("state").asText().equals("completed")
                && allCopies(j, c -> c.path("payment").asText().equals("released")));
        JsonNode moved = api("GET", "/v1/jobs/" + lostCopy, null, 200);
        assertThat(moved.path("nodeId").asText()).as("re-placed on the node without a copy, not on a or b")
                .isEqualTo(d.nodeId());
        assertThat(moved.path("epoch").asLong()).isEqualTo(2);
        assertThat(byNode(done)).containsOnlyKeys(a.nodeId(), b.nodeId(), d.nodeId());
        assertThat(nodeView(d).path("balance").asText()).isEqualTo("1");
        assertThat(nodeView(silent).path("balance").asText()).isEqualTo("0");
    }

    @Test
    @DisplayName("a k-of-n document is validated before anything is created, naming the field")
    void invalid() throws Exception {
        JsonNode err = api("POST", "/v1/jobs", "{\"command\":[\"ok\"],\"redundancy\":{\"n\":4,\"k\":2}}", 400);
        assertThat(err.path("field").asText()).isEqualTo("redundancy.k");
        assertThat(err.path("message").asText()).contains("strict majority of n=4");
        assertThat(api("GET", "/v1/jobs", null, 200).path("jobs")).isEmpty();
    }

    private static boolean allCopies(JsonNode job, Predicate<JsonNode> p) {
        for (JsonNode c : job.path("copies")) {
            if (!p.test(c)) {
                return false;
            }
        }
        return job.path("copies").size() > 0;
    }

    private static boolean allCopiesPlacedOrWaiting(JsonNode job) {
        int verifiedOrDone = 0;
        int queued = 0;
        for (JsonNode c : job.path("copies")) {
            String s = c.path("state").asText();
            if (s.equals("completed")) {
                verifiedOrDone++;
            } else if (s.equals("queued")) {
                queued++;
            }
        }
        return verifiedOrDone == 2 && queued == 1;
    }

    private static JsonNode copyIn(JsonNode job, String state) {
        for (JsonNode c : job.path("copies")) {
            if (c.path("state").asText().equals(state)) {
                return c;
            }
        }
        throw new AssertionError("no copy " + state + ": " + job);
    }

    private static Map<String, JsonNode> byNode(JsonNode job) {
        Map<String, JsonNode> out = new HashMap<>();
        job.path("copies").forEach(c -> {
            if (c.hasNonNull("nodeId")) {
                out.put(c.get("nodeId").asText(), c);
            }
        });
        return out;
    }

    private JsonNode job(String id) throws Exception {
        return api("GET", "/v1/jobs/" + id, null, 200);
    }

    private JsonNode nodeView(ScriptedHearthNode n) throws Exception {
        return api("GET", "/v1/nodes/" + n.nodeId(), null, 200);
    }

    private String balance(String account) throws Exception {
        for (JsonNode a : api("GET", "/v1/ledger/accounts", null, 200).path("accounts")) {
            if (a.path("id").asText().equals(account)) {
                return a.path("balance").asText();
            }
        }
        return "0";
    }

    private JsonNode awaitJob(String id, Predicate<JsonNode> done) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        JsonNode j;
        do {
            j = job(id);
            if (done.test(j)) {
                return j;
            }
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("job " + id + " not as expected within 20 s: " + j);
    }

    private JsonNode api(String method, String path, String body, int status) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                        + path)).header("Authorization", "Bearer " + admin).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isEqualTo(status);
        return Json.mapper().readTree(r.body());
    }
}
