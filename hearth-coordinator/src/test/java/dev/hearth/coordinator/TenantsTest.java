// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.coordinator.ledger.LedgerConfig;
import dev.hearth.coordinator.ledger.RateCard;
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
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two clients, alice and bob, against a real coordinator over real HTTP, with a scripted Hearth node: each sees,
 * cancels, reads and pays for its own jobs only; admin-only routes refuse them; every refusal is audited; revoked
 * keys, removed nodes and quotas stop at the next call.
 */
@DisplayName("Tenants: clients act on their own jobs and accounts only, and admin routes are the admin's")
class TenantsTest {

    private static final long CREDIT = 1_000_000L;

    @TempDir
    Path data;
    private CoordinatorServer server;
    private String admin;
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<ScriptedHearthNode> nodes = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        LedgerConfig ledger = new LedgerConfig(new RateCard(1000, 500, 0), 100 * CREDIT, Optional.empty(),
                Duration.ofMillis(50));
        server = CoordinatorServer.start(new CoordinatorConfig("127.0.0.1", 0, data, Duration.ofSeconds(1),
                Duration.ofSeconds(2), 1 << 20, Duration.ofMillis(100), ledger), InstantSource.system());
        admin = Files.readString(data.resolve("admin.token")).strip();
    }

    @AfterEach
    void stop() throws Exception {
        for (ScriptedHearthNode n : nodes) {
            n.close();
        }
        server.close();
    }

    @Test
    @DisplayName("alice cannot use bob's account, jobs, receipts or balance, nor deposit, stake or mint tokens; "
            + "each refusal is audited; bob's job runs and is paid from bob's balance only")
    void isolation() throws Exception {
        String alice = client("alice", "{}");
        String bob = client("bob", "{}");
        call(admin, "POST", "/v1/ledger/deposits", "{\"account\":\"client:alice\",\"amount\":\"10\"}", 201);
        call(admin, "POST", "/v1/ledger/deposits", "{\"account\":\"client:bob\",\"amount\":\"10\"}", 201);
        ScriptedHearthNode node = node();

        JsonNode bobsJob = call(bob, "POST", "/v1/jobs", job("ok", "\"price\":\"2\""), 201);
        String id = bobsJob.get("id").asText();
        assertThat(bobsJob.get("account").asText()).isEqualTo("client:bob");
        await("bob's job is paid", () -> payment(bob, id).equals("released"));

        // alice names bob's account: refused, and nothing is held from bob
        JsonNode refused = call(alice, "POST", "/v1/jobs", job("ok", "\"price\":\"2\",\"account\":\"bob\""), 403);
        assertThat(refused.get("error").asText()).isEqualTo("not_yours");
        call(alice, "GET", "/v1/jobs/" + id, null, 403);
        call(alice, "GET", "/v1/jobs/" + id + "/logs", null, 403);
        call(alice, "GET", "/v1/jobs/" + id + "/receipt", null, 403);
        call(alice, "POST", "/v1/jobs/" + id + "/cancel", null, 403);
        assertThat(call(alice, "GET", "/v1/jobs", null, 200).get("jobs")).isEmpty();
        call(alice, "GET", "/v1/ledger/accounts/client:bob", null, 403);
        call(alice, "GET", "/v1/ledger/transfers?account=client:bob", null, 403);
        call(alice, "GET", "/v1/ledger/transfers", null, 403);
        JsonNode deposit = call(alice, "POST", "/v1/ledger/deposits",
                "{\"account\":\"client:alice\",\"amount\":\"1000\"}", 403);
        assertThat(deposit.get("error").asText()).isEqualTo("role_required");
        assertThat(deposit.get("role").toString()).isEqualTo("[\"admin\"]");
        call(alice, "POST", "/v1/nodes/" + node.nodeId() + "/stake", "{\"amount\":\"1\",\"from\":\"client:bob\"}",
                403);
        call(alice, "POST", "/v1/tokens", "{}", 403);
        call(alice, "GET", "/v1/audit", null, 403);

        // bob sees his own: the job, its receipt, his balance, paid from his account only
        assertThat(call(bob, "GET", "/v1/jobs", null, 200).get("jobs")).extracting(j -> j.get("id").asText())
                .containsExactly(id);
        call(bob, "GET", "/v1/jobs/" + id + "/receipt", null, 200);
        assertThat(call(bob, "GET", "/v1/ledger/accounts/client:bob", null, 200).get("balance").asText())
                .isEqualTo("8");
        assertThat(call(alice, "GET", "/v1/ledger/accounts/client:alice", null, 200).get("balance").asText())
                .isEqualTo("10");
        call(bob, "GET", "/v1/ledger/accounts/client:alice", null, 403);

        JsonNode audit = call(admin, "GET", "/v1/audit?limit=1000", null, 200).get("events");
        List<String> aliceRefusals = new ArrayList<>();
        audit.forEach(e -> {
            if (e.get("actor").asText().equals("client:alice") && e.get("outcome").asText().startsWith("refused")) {
                aliceRefusals.add(e.get("action").asText());
            }
        });
        assertThat(aliceRefusals).contains("POST /v1/jobs", "GET /v1/jobs/" + id, "POST /v1/jobs/" + id + "/cancel",
                "GET /v1/jobs/" + id + "/receipt", "GET /v1/ledger/accounts/client:bob", "POST /v1/ledger/deposits",
                "POST /v1/nodes/" + node.nodeId() + "/stake", "POST /v1/tokens");
        assertThat(audit.toString()).contains("\"actor\":\"admin:admin\",\"action\":\"POST /v1/ledger/deposits\"")
                .doesNotContain(alice).doesNotContain(bob);
        assertThat(call(admin, "GET", "/v1/jobs/" + id, null, 200).get("state").asText()).isEqualTo("completed");
    }

    @Test
    @DisplayName("a revoked key and a disabled client's key stop at the next call; without a key everything is 401")
    void revocation() throws Exception {
        String alice = client("alice", "{}");
        call(alice, "GET", "/v1/jobs", null, 200);
        String keyId = alice.substring(4, alice.indexOf('_', 4));

        call(admin, "POST", "/v1/keys/" + keyId + "/revoke", null, 200);

        call(alice, "GET", "/v1/jobs", null, 401);
        call(null, "GET", "/v1/jobs", null, 401);
        call(null, "GET", "/v1/clients", null, 401);
        String bob = client("bob", "{}");
        call(bob, "GET", "/v1/jobs", null, 200);
        call(admin, "POST", "/v1/clients/bob/disable", null, 200);
        call(bob, "GET", "/v1/jobs", null, 401);
        JsonNode rotated = call(admin, "POST", "/v1/keys", "{\"role\":\"client\",\"owner\":\"alice\"}", 201);
        call(rotated.get("key").asText(), "GET", "/v1/jobs", null, 200);
    }

    @Test
    @DisplayName("a removed node's token is revoked: the node cannot register again with that identity")
    void removedNodeCannotReturn() throws Exception {
        ScriptedHearthNode node = node();
        String id = node.nodeId();

        call(admin, "DELETE", "/v1/nodes/" + id, null, 200);
        node.disconnect();

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> node.connect(server.port()))
                .isInstanceOf(Throwable.class);
        assertThat(call(admin, "GET", "/v1/tokens", null, 200).get("tokens").get(0).get("revoked").asBoolean())
                .isTrue();
    }

    @Test
    @DisplayName("quota refusals name the limit: queued jobs (429) and the API rate limit (429 with Retry-After)")
    void quotas() throws Exception {
        String alice = client("alice", "{\"quota\":{\"queuedJobs\":1,\"requestsPerMinute\":5}}");
        call(admin, "POST", "/v1/ledger/deposits", "{\"account\":\"client:alice\",\"amount\":\"10\"}", 201);
        call(alice, "POST", "/v1/jobs", job("hang", null), 201);
        JsonNode over = call(alice, "POST", "/v1/jobs", job("hang", null), 429);
        assertThat(over.get("limit").asText()).isEqualTo("queuedJobs");
        assertThat(over.get("message").asText()).contains("queuedJobs").contains("1");

        HttpResponse<String> last = null;
        for (int i = 0; i < 5; i++) {
            last = send(alice, "GET", "/v1/jobs", null);
        }
        assertThat(last.statusCode()).isEqualTo(429);
        assertThat(last.body()).contains("requestsPerMinute");
        assertThat(last.headers().firstValue("Retry-After")).get().satisfies(s ->
                assertThat(Integer.parseInt(s)).isBetween(1, 60));
        assertThat(call(admin, "GET", "/v1/audit", null, 200).toString()).contains("refused:429");
    }

    @Test
    @DisplayName("an operator sees only the nodes made from tokens minted for it, and their accounts")
    void operatorSeesOwnNodes() throws Exception {
        String token = call(admin, "POST", "/v1/tokens", "{\"operator\":\"rack4\"}", 201).get("token").asText();
        ScriptedHearthNode mine = new ScriptedHearthNode(token, 1, false);
        nodes.add(mine);
        mine.connect(server.port());
        ScriptedHearthNode other = node();
        String operator = call(admin, "POST", "/v1/keys", "{\"role\":\"operator\",\"owner\":\"rack4\"}", 201)
                .get("key").asText();

        assertThat(call(operator, "GET", "/v1/nodes", null, 200).get("nodes")).extracting(n -> n.get("id").asText())
                .containsExactly(mine.nodeId());
        call(operator, "GET", "/v1/nodes/" + other.nodeId(), null, 403);
        call(operator, "GET", "/v1/ledger/transfers?account=node:" + mine.nodeId(), null, 200);
        call(operator, "GET", "/v1/ledger/transfers?account=node:" + other.nodeId(), null, 403);
        call(operator, "POST", "/v1/jobs", job("ok", null), 403);
    }

    @Test
    @DisplayName("an instance is its creator's: bob cannot see, follow, stop, pause, resume, destroy or take over "
            + "alice's (403 not_yours, audited); alice's pause reaches her node; alice's instances quota refuses with "
            + "429 naming the limit and frees on destroy")
    void instanceOwnership() throws Exception {
        String alice = client("alice", "{\"quota\":{\"instances\":1}}");
        String bob = client("bob", "{}");
        ScriptedHearthNode node = node();
        String n = "/v1/nodes/" + node.nodeId() + "/instances";
        node.reportInstances("by-hand");
        await("the node's own instance is listed", () -> listed(admin).contains("by-hand"));
        call(alice, "POST", n, instance("by-hand"), 403);
        call(alice, "POST", n + "/by-hand/stop", null, 403);

        call(alice, "POST", n, instance("fail-1"), 502); // the node could not make it: the claim goes back
        JsonNode made = call(alice, "POST", n, instance("a1"), 201);
        String request = made.get("requestId").asText();
        JsonNode over = call(alice, "POST", n, instance("a2"), 429);
        assertThat(over.get("limit").asText()).isEqualTo("instances");
        assertThat(over.get("message").asText()).contains("1 instances");

        assertThat(call(alice, "GET", "/v1/instances", null, 200).get("instances"))
                .extracting(i -> i.get("id").asText() + " " + i.get("owner").asText()).containsExactly("a1 client:alice");
        assertThat(call(bob, "GET", "/v1/instances", null, 200).get("instances")).isEmpty();
        assertThat(call(bob, "POST", n + "/a1/stop", null, 403).get("error").asText()).isEqualTo("not_yours");
        assertThat(call(bob, "POST", n + "/a1/pause", null, 403).get("error").asText()).isEqualTo("not_yours");
        call(bob, "POST", n + "/a1/resume", null, 403);
        call(alice, "POST", n + "/by-hand/pause", null, 403);
        // alice's own reaches the node, whose docker runtime refuses it by name
        assertThat(call(alice, "POST", n + "/a1/pause", null, 502).get("message").asText())
                .contains("the docker runtime cannot pause").contains("qemu");
        call(bob, "DELETE", n + "/a1", null, 403);
        call(bob, "POST", n, instance("a1"), 403);
        call(bob, "GET", "/v1/instances/requests/" + request, null, 403);
        call(alice, "GET", "/v1/instances/requests/" + request, null, 200);
        assertThat(call(alice, "POST", n + "/a1/stop", null, 200).at("/instance/state").asText()).isEqualTo("stopped");
        assertThat(call(admin, "GET", "/v1/instances", null, 200).get("instances"))
                .extracting(i -> i.get("id").asText() + " " + i.path("owner").asText())
                .containsExactlyInAnyOrder("a1 client:alice", "by-hand ");

        call(alice, "DELETE", n + "/a1", null, 200);
        call(alice, "POST", n, instance("a2"), 201);
        call(bob, "POST", n, instance("a1"), 201);
        JsonNode audit = call(admin, "GET", "/v1/audit?limit=1000", null, 200).get("events");
        assertThat(audit.toString()).contains("\"actor\":\"client:bob\",\"action\":\"POST " + n + "/a1/stop\","
                + "\"outcome\":\"refused:403\"").contains("\"actor\":\"client:bob\",\"action\":\"POST " + n
                + "/a1/pause\",\"outcome\":\"refused:403\"").contains("\"actor\":\"client:alice\",\"action\":\"POST " + n
                + "\",\"outcome\":\"refused:429\"");
    }

    @Test
    @DisplayName("an admin drains a node (its running job goes on, it gets nothing new) and cordons another; the "
            + "queued job waits until the uncordoned node takes it; clients may not cordon; each change is audited")
    void cordonAndDrain() throws Exception {
        String alice = client("alice", "{}");
        call(admin, "POST", "/v1/ledger/deposits", "{\"account\":\"client:alice\",\"amount\":\"10\"}", 201);
        ScriptedHearthNode a = node();
        String running = call(alice, "POST", "/v1/jobs", job("hang", null), 201).get("id").asText();
        await("the job runs on the first node", () -> a.held().containsKey(running));

        JsonNode drained = call(admin, "POST", "/v1/nodes/" + a.nodeId() + "/drain", null, 200);
        assertThat(drained.get("draining").asBoolean()).isTrue();
        assertThat(drained.get("jobs").asLong()).isEqualTo(1);
        ScriptedHearthNode b = node();
        JsonNode cordoned = call(admin, "POST", "/v1/nodes/" + b.nodeId() + "/cordon", "{\"reason\":\"disk swap\"}",
                200);
        assertThat(cordoned.get("cordonReason").asText()).isEqualTo("disk swap");
        assertThat(cordoned.get("draining").asBoolean()).isFalse();
        assertThat(call(admin, "GET", "/v1/nodes", null, 200).get("nodes"))
                .extracting(n -> n.get("id").asText() + " " + n.get("cordonReason").asText() + " "
                        + n.get("draining").asBoolean())
                .containsExactlyInAnyOrder(a.nodeId() + " draining true", b.nodeId() + " disk swap false");
        call(alice, "POST", "/v1/nodes/" + a.nodeId() + "/instances", instance("i1"), 409);

        String waiting = call(alice, "POST", "/v1/jobs", job("hang", null), 201).get("id").asText();
        Thread.sleep(1000); // ten scheduler passes with both nodes cordoned
        assertThat(call(alice, "GET", "/v1/jobs/" + waiting, null, 200).get("state").asText()).isEqualTo("queued");
        assertThat(a.held()).containsOnlyKeys(running);
        assertThat(b.held()).isEmpty();

        call(admin, "POST", "/v1/nodes/" + b.nodeId() + "/uncordon", null, 200);
        await("the uncordoned node takes the queued job", () -> b.held().containsKey(waiting));
        assertThat(a.held()).containsOnlyKeys(running);
        assertThat(call(alice, "GET", "/v1/jobs/" + running, null, 200).get("state").asText()).isEqualTo("running");

        assertThat(call(alice, "POST", "/v1/nodes/" + a.nodeId() + "/cordon", null, 403).get("error").asText())
                .isEqualTo("role_required");
        call(alice, "POST", "/v1/nodes/" + b.nodeId() + "/drain", null, 403);
        call(admin, "POST", "/v1/nodes/" + b.nodeId() + "/cordon", "{\"reason\":\"\"}", 400);
        call(admin, "POST", "/v1/nodes/ghost/drain", null, 404);
        assertThat(call(admin, "GET", "/v1/audit?limit=1000", null, 200).get("events").toString())
                .contains("\"actor\":\"admin:admin\",\"action\":\"POST /v1/nodes/" + a.nodeId() + "/drain\","
                        + "\"outcome\":\"allowed\"")
                .contains("\"actor\":\"client:alice\",\"action\":\"POST /v1/nodes/" + a.nodeId() + "/cordon\","
                        + "\"outcome\":\"refused:403\"");
    }

    @Test
    @DisplayName("an uncordon places the waiting job at once, not at the scheduler's next tick")
    void uncordonWakesTheScheduler() throws Exception {
        server.close();
        LedgerConfig ledger = new LedgerConfig(new RateCard(1000, 500, 0), 100 * CREDIT, Optional.empty(),
                Duration.ofMillis(50));
        server = CoordinatorServer.start(new CoordinatorConfig("127.0.0.1", 0, data, Duration.ofSeconds(1),
                Duration.ofHours(1), 1 << 20, Duration.ofHours(1), ledger), InstantSource.system());
        ScriptedHearthNode node = node();
        call(admin, "POST", "/v1/nodes/" + node.nodeId() + "/cordon", null, 200);
        String id = call(admin, "POST", "/v1/jobs", job("hang", "\"price\":\"0\""), 201).get("id").asText();
        Thread.sleep(300);
        assertThat(node.held()).isEmpty();

        call(admin, "POST", "/v1/nodes/" + node.nodeId() + "/uncordon", null, 200);

        await("the job is placed", () -> node.held().containsKey(id));
    }

    private String listed(String key) {
        try {
            return call(key, "GET", "/v1/instances", null, 200).toString();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static String instance(String id) {
        return "{\"id\":\"" + id + "\",\"telegramToken\":\"123456:ABC-def\"}";
    }

    private String client(String name, String extra) throws Exception {
        JsonNode doc = Json.mapper().readTree(extra);
        ((com.fasterxml.jackson.databind.node.ObjectNode) doc).put("name", name);
        JsonNode made = call(admin, "POST", "/v1/clients", doc.toString(), 201);
        assertThat(made.get("key").asText()).startsWith("hck_");
        return made.get("key").asText();
    }

    private ScriptedHearthNode node() throws Exception {
        String token = call(admin, "POST", "/v1/tokens", "{\"ttl\":\"1h\"}", 201).get("token").asText();
        ScriptedHearthNode n = new ScriptedHearthNode(token, 2, false);
        nodes.add(n);
        n.connect(server.port());
        return n;
    }

    private static String job(String outcome, String extra) {
        return "{\"command\":[\"" + outcome + "\"],\"cpus\":\"0.5\",\"memory\":\"64m\",\"timeout\":\"10s\""
                + (extra == null ? "" : "," + extra) + "}";
    }

    private String payment(String key, String id) {
        try {
            JsonNode j = call(key, "GET", "/v1/jobs/" + id, null, 200);
            return j.path("payment").asText();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private HttpResponse<String> send(String key, String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode call(String key, String method, String path, String body, int status) throws Exception {
        HttpResponse<String> r = send(key, method, path, body);
        assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isEqualTo(status);
        return r.body().isBlank() ? Json.mapper().createObjectNode() : Json.mapper().readTree(r.body());
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": not within 20 s");
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(what + ": interrupted", e);
            }
        }
    }
}
