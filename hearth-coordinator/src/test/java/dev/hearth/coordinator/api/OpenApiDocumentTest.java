// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.coordinator.CoordinatorConfig;
import dev.hearth.coordinator.CoordinatorServer;
import dev.hearth.coordinator.ScriptedAgent;
import dev.hearth.core.json.Json;
import dev.hearth.core.proof.ProofHashes;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("docs/openapi.yaml says what a real coordinator answers, for every operation and response code")
class OpenApiDocumentTest {

    /** Every route the coordinator serves (its /v1 ones are AccessRules.RULES); the document lists exactly these. */
    private static final Set<String> ROUTES = Set.of("GET /healthz", "GET /metrics", "POST /v1/jobs", "GET /v1/jobs",
            "GET /v1/jobs/{id}", "GET /v1/jobs/{id}/logs", "GET /v1/jobs/{id}/receipt", "POST /v1/jobs/{id}/cancel",
            "GET /v1/nodes", "POST /v1/tokens", "GET /v1/agent", "GET /v1/nodes/{id}", "POST /v1/nodes/{id}/stake",
            "POST /v1/nodes/{id}/cordon", "POST /v1/nodes/{id}/drain", "POST /v1/nodes/{id}/uncordon",
            "PUT /v1/nodes/{id}/limits",
            "GET /v1/ledger/accounts", "GET /v1/ledger/accounts/{id}", "GET /v1/ledger/transfers", "GET /v1/ledger/export",
            "POST /v1/ledger/deposits", "GET /v1/coordinator/key", "POST /v1/nodes/{id}/instances",
            "POST /v1/nodes/{id}/instances/{iid}/{action}", "DELETE /v1/nodes/{id}/instances/{iid}", "GET /v1/instances",
            "GET /v1/nodes/{id}/instances/{iid}/logs",
            "GET /v1/instances/requests/{requestId}", "GET /v1/tokens", "POST /v1/tokens/{id}/revoke",
            "DELETE /v1/nodes/{id}", "POST /v1/clients", "GET /v1/clients", "POST /v1/clients/{name}/disable",
            "POST /v1/keys", "GET /v1/keys", "POST /v1/keys/{id}/revoke", "POST /v1/keys/{id}/rotate", "GET /v1/audit",
            "GET /v1/jobs/{id}/spec", "GET /v1/jobs/{id}/placements", "GET /v1/overview", "GET /v1/events",
            "POST /dashboard/session", "GET /dashboard/session", "DELETE /dashboard/session", "POST /v1/webhooks",
            "GET /v1/webhooks", "DELETE /v1/webhooks/{id}", "PUT /v1/blobs/{digest}", "HEAD /v1/blobs/{digest}",
            "GET /v1/agent/jobs/{id}/blobs/{digest}", "GET /v1/jobs/{id}/outputs", "GET /v1/jobs/{id}/outputs/{path}",
            "PUT /v1/agent/jobs/{id}/outputs/{path}", "POST /v1/jobs/batch");

    /** Documented answers this test cannot provoke, each with the reason. Keep it short. */
    private static final Map<String, String> NOT_PROVOKED = Map.of(
            "GET /healthz 503", "needs a store that fails while the server runs",
            "POST /v1/jobs 409", "a race of two requests with one key: IdempotencyKeyTest.parallelDuplicates",
            "POST /v1/jobs/batch 409", "the same component as POST /v1/jobs 409",
            "POST /v1/nodes/{id}/instances 422", "the same component as POST /v1/jobs 422, on a node that answers: "
                    + "IdempotencyKeyTest.instanceCreate",
            "GET /v1/nodes/{id}/instances/{iid}/logs 504", "a silent node costs the 10 s the read waits");

    @TempDir
    Path data;
    private CoordinatorServer server;
    private String admin;
    private OpenApiDocument doc;
    private final HttpClient http = HttpClient.newHttpClient();
    private final Set<String> answered = new TreeSet<>();

    @BeforeEach
    void start() throws Exception {
        doc = OpenApiDocument.find();
        server = CoordinatorServer.start(new CoordinatorConfig("127.0.0.1", 0, data, Duration.ofSeconds(1),
                Duration.ofSeconds(30), 64 * 1024, Duration.ofMillis(100)).withWebhookAllow(java.util.List.of(
                        "127.0.0.1/32")), InstantSource.system(), dev.hearth.coordinator.oracle.OracleSettings.DEFAULTS,
                new dev.hearth.coordinator.ServerTls.Mode.Off(), new dev.hearth.coordinator.blobs.BlobLimits(1024,
                        1L << 20, Duration.ofDays(7), 1024));
        admin = Files.readString(data.resolve("admin.token")).strip();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    @DisplayName("the document is OpenAPI 3.1, lists exactly the served routes, its $refs resolve, its examples conform")
    void shape() {
        assertThat(doc.root().path("openapi").asText()).startsWith("3.1.");
        assertThat(doc.operations().keySet()).containsExactlyInAnyOrderElementsOf(ROUTES);
        assertThat(doc.danglingReferences()).isEmpty();
        assertThat(doc.responseExampleViolations()).isEmpty();
        doc.operations().keySet().forEach(op -> assertThat(doc.statuses(op)).as(op)
                .isNotEmpty().allMatch(s -> s.matches("[1-5][0-9][0-9]"), "explicit codes, no 'default' or '2XX'"));
    }

    @Test
    @DisplayName("every documented operation and response code is what the coordinator answers, bodies by schema")
    void answers() throws Exception {
        String token = expect(201, "POST /v1/tokens", "POST", "/v1/tokens", "{\"ttl\":\"1h\",\"label\":\"openapi\"}")
                .get("token").asText();
        expect(201, "POST /v1/tokens", "POST", "/v1/tokens", null);
        expect(400, "POST /v1/tokens", "POST", "/v1/tokens", "{\"ttl\":\"0s\"}");

        try (ScriptedAgent agent = new ScriptedAgent(server.port())) {
            answered.add("GET /v1/agent 101");
            agent.send("{\"type\":\"register\",\"token\":\"" + token + "\",\"hostInfo\":{\"hostname\":\"openapi-host\","
                    + "\"os\":\"Linux\",\"os_version\":\"6.1.0\",\"arch\":\"x86_64\",\"gpus\":[{\"index\":0,"
                    + "\"model\":\"NVIDIA H100 80GB HBM3\",\"vram_total\":\"81559 MiB\",\"vram_free\":\"80000 MiB\","
                    + "\"utilization\":\"0%\",\"uuid\":\"GPU-1\"}],\"docker_version\":\"20.10.24\","
                    + "\"agent_version\":\"2.0.0-docker\"}}");
            String nodeId = agent.expect("registered").get("nodeId").asText();

            String done = expect(201, "POST /v1/jobs", "POST", "/v1/jobs", "{\"command\":[\"echo\",\"hi\"]}")
                    .get("id").asText();
            assertThat(agent.expect("job").get("id").asText()).isEqualTo(done);
            agent.send(dev.hearth.coordinator.ResultFrames.legacy(done, nodeId, "hi\n"));
            awaitState(done, "completed");
            assertThat(expect(200, "GET /v1/jobs/{id}", "GET", "/v1/jobs/" + done, null).has("result")).isTrue();
            assertThat(call("GET", "/v1/jobs/" + done + "/logs", null, null, admin).body()).isEqualTo("hi\n");
            expect(200, "GET /v1/jobs/{id}/logs", "GET", "/v1/jobs/" + done + "/logs", null);
            assertThat(call("GET", "/v1/jobs/" + done + "/logs?offset=1", null, null, admin).body()).isEqualTo("i\n");
            expect(400, "GET /v1/jobs/{id}/logs", "GET", "/v1/jobs/" + done + "/logs?offset=-1", null);
            expect(409, "POST /v1/jobs/{id}/cancel", "POST", "/v1/jobs/" + done + "/cancel", null);
            expect(404, "GET /v1/jobs/{id}/receipt", "GET", "/v1/jobs/" + done + "/receipt", null);
            assertThat(expect(200, "GET /v1/jobs/{id}/spec", "GET", "/v1/jobs/" + done + "/spec", null)
                    .get("command").toString()).isEqualTo("[\"echo\",\"hi\"]");
            assertThat(expect(200, "GET /v1/jobs/{id}/placements", "GET", "/v1/jobs/" + done + "/placements", null)
                    .at("/placements/0/nodeId").asText()).isEqualTo(nodeId);

            String held = send(201, "POST /v1/jobs", "POST", "/v1/jobs", "application/yaml",
                    "command: [sleep, '60']\nretries: 0\n", admin).get("id").asText();
            agent.expect("job");
            expect(200, "GET /v1/nodes", "GET", "/v1/nodes", null);
            ledgerAnswers(nodeId);
            expect(200, "POST /v1/jobs/{id}/cancel", "POST", "/v1/jobs/" + held + "/cancel", null);
            assertThat(agent.expect("job_cancel").get("jobId").asText()).isEqualTo(held);

            // a 2-of-2 job on one node: one copy is leased, the other waits for a second node; both are listed
            String pair = expect(201, "POST /v1/jobs", "POST", "/v1/jobs",
                    "{\"command\":[\"sleep\",\"60\"],\"redundancy\":{\"n\":2,\"k\":2}}").get("id").asText();
            assertThat(agent.expect("job").get("id").asText()).startsWith(pair + ".copy");
            JsonNode copies = expect(200, "GET /v1/jobs/{id}", "GET", "/v1/jobs/" + pair, null).get("copies");
            assertThat(copies).hasSize(2);
            expect(200, "GET /v1/jobs/{id}", "GET", "/v1/jobs/" + copies.get(0).get("id").asText(), null);
            expect(200, "POST /v1/jobs/{id}/cancel", "POST", "/v1/jobs/" + pair + "/cancel", null);
            assertThat(agent.expect("job_cancel").get("jobId").asText()).startsWith(pair + ".copy");
            expect(400, "POST /v1/jobs", "POST", "/v1/jobs",
                    "{\"command\":[\"true\"],\"redundancy\":{\"n\":4,\"k\":2}}");
        }

        signedResult(expect(201, "POST /v1/tokens", "POST", "/v1/tokens", null).get("token").asText());
        new InstanceAnswers(this::send, server.port(), admin)
                .run(expect(201, "POST /v1/tokens", "POST", "/v1/tokens", null).get("token").asText());

        tenantAnswers();
        batchAnswers();

        for (String op : Set.of("POST /v1/jobs", "POST /v1/tokens", "POST /v1/jobs/batch")) {
            for (OpenApiDocument.Example example : doc.requestExamples(op)) {
                String path = op.substring(op.indexOf(' ') + 1);
                send(201, op, "POST", path, example.mediaType(), example.body(), admin);
            }
        }
        JsonNode once = send(201, "POST /v1/jobs", "POST", "/v1/jobs", "application/json",
                "{\"command\":[\"true\"]}", admin, "Idempotency-Key", "openapi-1");
        assertThat(send(201, "POST /v1/jobs", "POST", "/v1/jobs", "application/json", "{\"command\":[\"true\"]}",
                admin, "Idempotency-Key", "openapi-1").get("id")).isEqualTo(once.get("id"));
        assertThat(send(422, "POST /v1/jobs", "POST", "/v1/jobs", "application/json", "{\"command\":[\"false\"]}",
                admin, "Idempotency-Key", "openapi-1").get("field").asText()).isEqualTo("Idempotency-Key");
        send(400, "POST /v1/jobs", "POST", "/v1/jobs", "application/json", "{\"command\":[\"true\"]}", admin,
                "Idempotency-Key", "no spaces");
        expect(400, "POST /v1/jobs", "POST", "/v1/jobs", "{\"command\":[\"true\"],\"memory\":\"12q\"}");
        expect(400, "POST /v1/jobs", "POST", "/v1/jobs", "{\"command\":[\"true\"],\"memroy\":\"1g\"}");
        expect(400, "POST /v1/jobs", "POST", "/v1/jobs", null);
        expect(400, "POST /v1/jobs", "POST", "/v1/jobs", "null");
        expect(400, "POST /v1/jobs", "POST", "/v1/jobs",
                "{\"command\":[\"true\"],\"files\":[{\"path\":\"a\",\"text\":\"x\",\"mode\":99999}]}");
        expect(200, "GET /v1/jobs", "GET", "/v1/jobs", null);
        expect(200, "GET /v1/jobs", "GET", "/v1/jobs?state=COMPLETED", null);
        expect(400, "GET /v1/jobs", "GET", "/v1/jobs?state=nope", null);
        for (String list : Set.of("/v1/nodes", "/v1/instances", "/v1/tokens", "/v1/clients", "/v1/keys", "/v1/audit",
                "/v1/ledger/accounts", "/v1/ledger/transfers")) {
            expect(400, "GET " + list, "GET", list + "?limit=0", null);
            expect(400, "GET " + list, "GET", list + "?cursor=nope", null);
            HttpResponse<String> one = call("GET", list + "?limit=1", null, null, admin);
            String next = Json.mapper().readTree(one.body()).path("next").asText(null);
            assertThat(one.headers().firstValue("Link")).as("the Link of " + list + "'s next page, with next " + next)
                    .isEqualTo(java.util.Optional.ofNullable(next).map(n -> "<" + list + "?limit=1&cursor=" + n
                            + ">; rel=\"next\""));
            expect(200, "GET " + list, "GET", list + "?limit=1", null);
        }
        expect(404, "GET /v1/jobs/{id}", "GET", "/v1/jobs/nope", null);
        expect(404, "GET /v1/jobs/{id}/logs", "GET", "/v1/jobs/nope/logs", null);
        expect(404, "POST /v1/jobs/{id}/cancel", "POST", "/v1/jobs/nope/cancel", null);
        prunedAnswers();
        webhookAnswers();
        blobAnswers();
        dashboardAnswers();
        expect(200, "GET /healthz", "GET", "/healthz", null);
        expect(200, "GET /metrics", "GET", "/metrics", null);
        for (String op : doc.operations().keySet()) {
            // the answer to a HEAD has no body to check: blobAnswers checks its 401
            if (op.contains(" /v1/") && !op.equals("GET /v1/agent") && !op.startsWith("HEAD ")) {
                String path = op.substring(op.indexOf(' ') + 1).replaceAll("\\{[A-Za-z]+}", "nope");
                send(401, op, op.substring(0, op.indexOf(' ')), path, "application/json", "{}", "hat_wrong");
            }
        }

        Set<String> documented = new LinkedHashSet<>();
        doc.operations().keySet().forEach(op -> doc.statuses(op).forEach(s -> documented.add(op + " " + s)));
        documented.removeAll(NOT_PROVOKED.keySet());
        assertThat(answered).as("documented answers provoked by this test").containsExactlyInAnyOrderElementsOf(documented);
    }

    /** {@code POST /v1/jobs/batch}: every documented answer. */
    private void batchAnswers() throws Exception {
        String op = "POST /v1/jobs/batch";
        String two = "{\"jobs\":[{\"command\":[\"true\"]},{\"command\":[\"false\"]}]}";
        assertThat(expect(201, op, "POST", "/v1/jobs/batch", two).get("jobs")).hasSize(2);
        assertThat(expect(400, op, "POST", "/v1/jobs/batch", "{\"jobs\":[{\"command\":[\"true\"],"
                + "\"memory\":\"12q\"}]}").get("field").asText()).isEqualTo("jobs[0].memory");
        expect(400, op, "POST", "/v1/jobs/batch", "{\"jobs\":[");
        assertThat(expect(402, op, "POST", "/v1/jobs/batch", "{\"jobs\":[{\"command\":[\"true\"],\"price\":\"1\","
                + "\"account\":\"poorer\"}]}").get("account").asText()).isEqualTo("client:poorer");
        expect(413, op, "POST", "/v1/jobs/batch", "{\"jobs\":[{\"command\":[\"true\"],\"env\":{\"X\":\""
                + "x".repeat(JobsApi.MAX_BATCH_BYTES) + "\"}}]}");
        send(201, op, "POST", "/v1/jobs/batch", "application/json", two, admin, "Idempotency-Key", "batch-1");
        send(422, op, "POST", "/v1/jobs/batch", "application/json", "{\"jobs\":[{\"command\":[\"true\"]}]}",
                admin, "Idempotency-Key", "batch-1");
        String dora = expect(201, "POST /v1/clients", "POST", "/v1/clients", "{\"name\":\"dora\",\"quota\":"
                + "{\"queuedJobs\":1}}").get("key").asText();
        send(403, op, "POST", "/v1/jobs/batch", "application/json", "{\"jobs\":[{\"command\":[\"true\"],"
                + "\"account\":\"carol\"}]}", dora);
        assertThat(send(429, op, "POST", "/v1/jobs/batch", "application/json", two, dora).get("limit").asText())
                .isEqualTo("queuedJobs");
    }

    /** Clients, keys, the audit trail, node tokens and node removal: every documented answer. */
    private void tenantAnswers() throws Exception {
        String clients = "POST /v1/clients";
        JsonNode carol = expect(201, clients, "POST", "/v1/clients", "{\"name\":\"carol\",\"quota\":{\"instances\":2},"
                + "\"ttl\":\"1h\"}");
        assertThat(carol.get("key").asText()).startsWith("hck_" + carol.get("id").asText() + "_");
        expect(409, clients, "POST", "/v1/clients", "{\"name\":\"carol\"}");
        assertThat(expect(400, clients, "POST", "/v1/clients", "{\"name\":\"Carol!\"}").get("field").asText())
                .isEqualTo("name");
        assertThat(expect(200, "GET /v1/clients", "GET", "/v1/clients", null).get("clients").toString())
                .contains("carol");
        String disable = "POST /v1/clients/{name}/disable";
        assertThat(expect(200, disable, "POST", "/v1/clients/carol/disable", null).get("enabled").asBoolean()).isFalse();
        expect(404, disable, "POST", "/v1/clients/nope/disable", null);

        String keys = "POST /v1/keys";
        String id = expect(201, keys, "POST", "/v1/keys", "{\"role\":\"operator\",\"owner\":\"rack4\"}").get("id")
                .asText();
        assertThat(expect(400, keys, "POST", "/v1/keys", "{\"role\":\"root\",\"owner\":\"rack4\"}").get("field")
                .asText()).isEqualTo("role");
        assertThat(expect(200, "GET /v1/keys", "GET", "/v1/keys", null).get("keys").toString()).contains(id);
        JsonNode rotated = expect(201, "POST /v1/keys/{id}/rotate", "POST", "/v1/keys/" + id + "/rotate", null);
        assertThat(rotated.get("replaces").asText()).isEqualTo(id);
        expect(404, "POST /v1/keys/{id}/rotate", "POST", "/v1/keys/nope/rotate", null);
        assertThat(expect(200, "POST /v1/keys/{id}/revoke", "POST", "/v1/keys/" + rotated.get("id").asText()
                + "/revoke", null).get("revoked").asBoolean()).isTrue();
        expect(404, "POST /v1/keys/{id}/revoke", "POST", "/v1/keys/nope/revoke", null);

        JsonNode token = expect(201, "POST /v1/tokens", "POST", "/v1/tokens", null);
        try (ScriptedAgent agent = new ScriptedAgent(server.port())) {
            agent.send("{\"type\":\"register\",\"token\":\"" + token.get("token").asText() + "\",\"hostInfo\":"
                    + "{\"hostname\":\"doomed\"}}");
            String nodeId = agent.expect("registered").get("nodeId").asText();
            assertThat(expect(200, "DELETE /v1/nodes/{id}", "DELETE", "/v1/nodes/" + nodeId, null).get("revokedTokens")
                    .toString()).contains(token.get("id").asText());
        }
        expect(404, "DELETE /v1/nodes/{id}", "DELETE", "/v1/nodes/nope", null);
        assertThat(expect(200, "GET /v1/tokens", "GET", "/v1/tokens", null).get("tokens").toString())
                .contains(token.get("id").asText());
        String revoke = "POST /v1/tokens/{id}/revoke";
        assertThat(expect(200, revoke, "POST", "/v1/tokens/" + token.get("id").asText() + "/revoke", null)
                .get("changed").asBoolean()).isFalse();
        expect(404, revoke, "POST", "/v1/tokens/nope/revoke", null);

        assertThat(expect(200, "GET /v1/audit", "GET", "/v1/audit?limit=5", null).get("events")).hasSize(5);
        assertThat(expect(400, "GET /v1/audit", "GET", "/v1/audit?limit=0", null).get("field").asText())
                .isEqualTo("limit");
    }

    /** The ledger's operations, the node's and the coordinator key, every documented answer. */
    private void ledgerAnswers(String nodeId) throws Exception {
        String deposits = "POST /v1/ledger/deposits";
        expect(201, deposits, "POST", "/v1/ledger/deposits", "{\"account\":\"client:alice\",\"amount\":\"100\",\"key\":\"k1\"}");
        assertThat(expect(200, deposits, "POST", "/v1/ledger/deposits",
                "{\"account\":\"client:alice\",\"amount\":\"100\",\"key\":\"k1\"}").get("replayed").asBoolean()).isTrue();
        expect(409, deposits, "POST", "/v1/ledger/deposits", "{\"account\":\"client:alice\",\"amount\":\"5\",\"key\":\"k1\"}");
        assertThat(expect(400, deposits, "POST", "/v1/ledger/deposits", "{\"account\":\"bogus\",\"amount\":\"1\"}")
                .get("field").asText()).isEqualTo("account");
        assertThat(expect(400, deposits, "POST", "/v1/ledger/deposits", "{\"account\":\"client:a\",\"amount\":\"0\"}")
                .get("field").asText()).isEqualTo("amount");
        expect(400, deposits, "POST", "/v1/ledger/deposits", "[1]");
        expect(201, deposits, "POST", "/v1/ledger/deposits", "{\"account\":\"node:" + nodeId + "\",\"amount\":\"10\"}");

        JsonNode poor = expect(402, "POST /v1/jobs", "POST", "/v1/jobs",
                "{\"command\":[\"true\"],\"price\":\"1000\",\"account\":\"poor\"}");
        assertThat(poor.get("field").asText()).isEqualTo("price");
        assertThat(poor.get("account").asText()).isEqualTo("client:poor");

        String stake = "POST /v1/nodes/{id}/stake";
        assertThat(expect(200, stake, "POST", "/v1/nodes/" + nodeId + "/stake", "{\"amount\":\"4\"}").get("stake").asText())
                .isEqualTo("4");
        expect(409, stake, "POST", "/v1/nodes/" + nodeId + "/stake", "{\"amount\":\"100\"}");
        expect(400, stake, "POST", "/v1/nodes/" + nodeId + "/stake", "{\"amount\":\"-1\"}");
        expect(404, stake, "POST", "/v1/nodes/nope/stake", "{\"amount\":\"1\"}");
        JsonNode node = expect(200, "GET /v1/nodes/{id}", "GET", "/v1/nodes/" + nodeId, null);
        assertThat(node.get("stake").asText()).isEqualTo("4");
        assertThat(node.get("balance").asText()).isEqualTo("6");
        expect(404, "GET /v1/nodes/{id}", "GET", "/v1/nodes/nope", null);
        String cordon = "POST /v1/nodes/{id}/cordon";
        for (OpenApiDocument.Example example : doc.requestExamples(cordon)) {
            send(200, cordon, "POST", "/v1/nodes/" + nodeId + "/cordon", example.mediaType(), example.body(), admin);
        }
        assertThat(expect(200, cordon, "POST", "/v1/nodes/" + nodeId + "/cordon", null).get("cordonReason").asText())
                .isEqualTo("cordoned by admin:admin");
        assertThat(expect(400, cordon, "POST", "/v1/nodes/" + nodeId + "/cordon", "{\"reason\":\"draining\"}")
                .get("field").asText()).isEqualTo("reason");
        expect(400, cordon, "POST", "/v1/nodes/" + nodeId + "/cordon", "{nope");
        expect(404, cordon, "POST", "/v1/nodes/nope/cordon", null);
        assertThat(expect(200, "POST /v1/nodes/{id}/drain", "POST", "/v1/nodes/" + nodeId + "/drain", null)
                .get("draining").asBoolean()).isTrue();
        assertThat(expect(200, "GET /v1/nodes", "GET", "/v1/nodes", null).at("/nodes/0/draining").asBoolean()).isTrue();
        expect(404, "POST /v1/nodes/{id}/drain", "POST", "/v1/nodes/nope/drain", null);
        assertThat(expect(200, "POST /v1/nodes/{id}/uncordon", "POST", "/v1/nodes/" + nodeId + "/uncordon", null)
                .get("cordoned").asBoolean()).isFalse();
        expect(404, "POST /v1/nodes/{id}/uncordon", "POST", "/v1/nodes/nope/uncordon", null);
        String limits = "PUT /v1/nodes/{id}/limits";
        assertThat(expect(200, limits, "PUT", "/v1/nodes/" + nodeId + "/limits", "{\"slots\":2,\"memory\":\"8g\"}")
                .at("/limits/slots").asInt()).isEqualTo(2);
        assertThat(expect(200, limits, "PUT", "/v1/nodes/" + nodeId + "/limits", "{}").get("limits").isNull()).isTrue();
        assertThat(expect(400, limits, "PUT", "/v1/nodes/" + nodeId + "/limits", "{\"slots\":\"many\"}")
                .get("field").asText()).isEqualTo("slots");
        expect(400, limits, "PUT", "/v1/nodes/" + nodeId + "/limits", "[1]");
        expect(404, limits, "PUT", "/v1/nodes/nope/limits", "{}");

        assertThat(expect(200, "GET /v1/ledger/accounts", "GET", "/v1/ledger/accounts", null).get("totalMicros").asLong())
                .isZero();
        expect(200, "GET /v1/ledger/accounts/{id}", "GET", "/v1/ledger/accounts/client:alice", null);
        expect(404, "GET /v1/ledger/accounts/{id}", "GET", "/v1/ledger/accounts/client:nobody", null);
        expect(400, "GET /v1/ledger/accounts/{id}", "GET", "/v1/ledger/accounts/bogus", null);
        expect(200, "GET /v1/ledger/transfers", "GET", "/v1/ledger/transfers?account=client:alice&limit=5", null);
        expect(400, "GET /v1/ledger/transfers", "GET", "/v1/ledger/transfers?limit=0", null);
        send(200, "GET /v1/ledger/export", "GET", "/v1/ledger/export?since=2020-01-01", null, null, admin);
        expect(200, "GET /v1/ledger/export", "GET", "/v1/ledger/export?format=json&since=2020-01-01T00:00:00Z", null);
        expect(400, "GET /v1/ledger/export", "GET", "/v1/ledger/export?format=xml", null);
        expect(200, "GET /v1/coordinator/key", "GET", "/v1/coordinator/key", null);
    }

    /**
     * A finished job pruned by retention (here by a second store on the same SQLite file, as the coordinator's
     * sweep would once it is old enough): its logs and receipt answer 410, the job itself says pruned.
     */
    private void prunedAnswers() throws Exception {
        java.util.List<String> pruned;
        try (dev.hearth.coordinator.store.Store store = dev.hearth.coordinator.store.Store.sqlite(
                data.resolve("hearth.db"), InstantSource.system())) {
            pruned = store.pruneFinishedJobs(java.time.Instant.now().plusSeconds(1), 1);
        }
        assertThat(pruned).as("a finished job to prune").hasSize(1);
        String id = pruned.getFirst();
        assertThat(expect(200, "GET /v1/jobs/{id}", "GET", "/v1/jobs/" + id, null).path("pruned").asBoolean()).isTrue();
        expect(410, "GET /v1/jobs/{id}/logs", "GET", "/v1/jobs/" + id + "/logs", null);
        expect(410, "GET /v1/jobs/{id}/receipt", "GET", "/v1/jobs/" + id + "/receipt", null);
        expect(410, "GET /v1/jobs/{id}/spec", "GET", "/v1/jobs/" + id + "/spec", null);
        expect(410, "GET /v1/jobs/{id}/outputs", "GET", "/v1/jobs/" + id + "/outputs", null);
    }

    /** The dashboard's session, its overview and its event streams (at most four per caller). */
    private void dashboardAnswers() throws Exception {
        expect(404, "GET /v1/jobs/{id}/spec", "GET", "/v1/jobs/nope/spec", null);
        expect(404, "GET /v1/jobs/{id}/placements", "GET", "/v1/jobs/nope/placements", null);
        assertThat(expect(200, "GET /v1/overview", "GET", "/v1/overview", null).get("scope").asText())
                .isEqualTo("network");
        java.util.List<HttpResponse<java.io.InputStream>> streams = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < dev.hearth.coordinator.api.EventsApi.PER_CALLER; i++) {
                HttpResponse<java.io.InputStream> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + server.port() + "/v1/events")).header("Authorization", "Bearer " + admin).build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                streams.add(r);
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
            }
            answered.add("GET /v1/events 200");
            expect(429, "GET /v1/events", "GET", "/v1/events", null);
        } finally {
            for (HttpResponse<java.io.InputStream> r : streams) {
                r.body().close();
            }
        }
        expect(400, "GET /v1/events", "GET", "/v1/events?types=nope", null);
        // log follows of a job that does not end: four held (their headers wait for output), a fifth refused
        String waiting = expect(201, "POST /v1/jobs", "POST", "/v1/jobs", "{\"command\":[\"sleep\",\"600\"]}")
                .get("id").asText();
        java.util.List<java.util.concurrent.CompletableFuture<HttpResponse<Void>>> follows = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                follows.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                        + "/v1/jobs/" + waiting + "/logs?follow=1")).header("Authorization", "Bearer " + admin)
                        .build(), HttpResponse.BodyHandlers.discarding()));
            }
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            while (true) { // a probe that got a slot waits for output: it holds its slot, and the next one is refused
                var probe = http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                        + "/v1/jobs/" + waiting + "/logs?follow=1")).header("Authorization", "Bearer " + admin)
                        .build(), HttpResponse.BodyHandlers.discarding());
                follows.add(probe);
                try {
                    if (probe.get(1, java.util.concurrent.TimeUnit.SECONDS).statusCode() == 429) {
                        break;
                    }
                } catch (java.util.concurrent.TimeoutException e) {
                    // it holds a slot
                }
                assertThat(System.nanoTime()).as("the fifth follow refused").isLessThan(deadline);
            }
            expect(429, "GET /v1/jobs/{id}/logs", "GET", "/v1/jobs/" + waiting + "/logs?follow=1", null);
        } finally {
            follows.forEach(f -> f.cancel(true));
            call("POST", "/v1/jobs/" + waiting + "/cancel", null, null, admin);
        }
        String login = "POST /dashboard/session";
        send(415, login, "POST", "/dashboard/session", "text/plain", "key=" + admin, null);
        send(400, login, "POST", "/dashboard/session", "application/json", "{}", null);
        send(401, login, "POST", "/dashboard/session", "application/json", "{\"key\":\"hck_nope\"}", null);
        HttpResponse<String> in = call("POST", "/dashboard/session", "application/json",
                "{\"key\":\"" + admin + "\"}", null);
        send(200, login, "POST", "/dashboard/session", "application/json", "{\"key\":\"" + admin + "\"}", null);
        String cookie = in.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
        String csrf = Json.mapper().readTree(in.body()).get("csrf").asText();
        send(401, "GET /dashboard/session", "GET", "/dashboard/session", null, null, null);
        assertThat(send(200, "GET /dashboard/session", "GET", "/dashboard/session", null, null, null, "Cookie", cookie)
                .get("role").asText()).isEqualTo("admin");
        send(403, "DELETE /dashboard/session", "DELETE", "/dashboard/session", null, null, null, "Cookie", cookie);
        send(200, "DELETE /dashboard/session", "DELETE", "/dashboard/session", null, null, null, "Cookie", cookie,
                "X-Hearth-CSRF", csrf);
    }

    /** A Hearth agent's signed result: its receipt is served, its key listed with the node, its verdict shown. */
    /** Webhook endpoints: register (a receiver that is not there: deliveries fail and wait), list, remove. */
    private void webhookAnswers() throws Exception {
        JsonNode made = expect(201, "POST /v1/webhooks", "POST", "/v1/webhooks", "{\"url\":\"http://127.0.0.1:9/h\"}");
        assertThat(made.get("secret").asText()).startsWith("whsec_");
        expect(400, "POST /v1/webhooks", "POST", "/v1/webhooks", "{\"url\":\"http://10.0.0.1/h\"}");
        expect(200, "GET /v1/webhooks", "GET", "/v1/webhooks", null);
        expect(400, "GET /v1/webhooks", "GET", "/v1/webhooks?limit=0", null);
        String other = expect(201, "POST /v1/clients", "POST", "/v1/clients", "{\"name\":\"hook-owner\"}").get("key")
                .asText();
        send(403, "DELETE /v1/webhooks/{id}", "DELETE", "/v1/webhooks/" + made.get("id").asText(), null, null, other);
        expect(200, "DELETE /v1/webhooks/{id}", "DELETE", "/v1/webhooks/" + made.get("id").asText(), null);
        expect(404, "DELETE /v1/webhooks/{id}", "DELETE", "/v1/webhooks/" + made.get("id").asText(), null);
    }

    /**
     * Blobs: uploaded (stored, again, refused for their hash, form or size), probed, named by a job, and fetched by
     * the node holding its lease alone.
     */
    private void blobAnswers() throws Exception {
        byte[] bytes = "openapi blob".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        String digest = BlobsApiTest.digest(bytes);
        assertThat(putBlob(201, digest, bytes).get("size").asInt()).isEqualTo(bytes.length);
        putBlob(200, digest, bytes);
        assertThat(putBlob(422, "sha256:" + "0".repeat(64), bytes).get("field").asText()).isEqualTo("digest");
        assertThat(putBlob(400, "sha256:nope", bytes).get("field").asText()).isEqualTo("digest");
        assertThat(putBlob(413, BlobsApiTest.digest(new byte[1025]), new byte[1025]).get("limit").asInt())
                .isEqualTo(1024);
        String head = "HEAD /v1/blobs/{digest}";
        assertThat(call("HEAD", "/v1/blobs/" + digest, null, null, admin).statusCode()).isEqualTo(200);
        answered.add(head + " 200");
        assertThat(call("HEAD", "/v1/blobs/sha256:" + "1".repeat(64), null, null, admin).statusCode()).isEqualTo(404);
        answered.add(head + " 404");
        assertThat(call("HEAD", "/v1/blobs/" + digest, null, null, "hat_wrong").statusCode()).isEqualTo(401);
        answered.add(head + " 401");

        String token = expect(201, "POST /v1/tokens", "POST", "/v1/tokens", null).get("token").asText();
        java.security.KeyPair key = java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        String nodeKey = dev.hearth.core.receipt.NodeKeys.encode(key.getPublic());
        try (ScriptedAgent agent = new ScriptedAgent(server.port())) {
            agent.send(dev.hearth.coordinator.ResultFrames.hearthRegister(token, key,
                    agent.expect("hello").get("nonce").asText(), 64, 64));
            String nodeId = agent.expect("registered").get("nodeId").asText();
            // 6 CPUs: more than any node above has, so this one (64: room left after queued jobs) gets it
            String id = expect(201, "POST /v1/jobs", "POST", "/v1/jobs", "{\"command\":[\"true\"],\"cpus\":\"6\","
                    + "\"priority\":100,\"files\":[{\"path\":\"in.bin\",\"blob\":\"" + digest + "\"}]}").get("id").asText();
            JsonNode offer = agent.expect("job");
            while (!offer.get("id").asText().equals(id)) { // jobs queued above come to this node first
                offer = agent.expect("job");
            }
            long epoch = offer.get("epoch").asLong();
            String get = "GET /v1/agent/jobs/{id}/blobs/{digest}";
            String path = "/v1/agent/jobs/" + id + "/blobs/" + digest;
            assertThat(call("GET", path + "?epoch=" + epoch, null, null, token, "Hearth-Node-Key", nodeKey).body())
                    .isEqualTo("openapi blob");
            send(200, get, "GET", path + "?epoch=" + epoch, null, null, token, "Hearth-Node-Key", nodeKey);
            send(400, get, "GET", path + "?epoch=x", null, null, token, "Hearth-Node-Key", nodeKey);
            send(401, get, "GET", path + "?epoch=" + epoch, null, null, admin);
            send(403, get, "GET", path + "?epoch=" + (epoch + 1), null, null, token, "Hearth-Node-Key", nodeKey);
            send(404, get, "GET", "/v1/agent/jobs/" + id + "/blobs/sha256:" + "1".repeat(64) + "?epoch=" + epoch,
                    null, null, token, "Hearth-Node-Key", nodeKey);
            outputAnswers(id, epoch, token, nodeKey);
            agent.send(dev.hearth.coordinator.ResultFrames.frame(dev.hearth.coordinator.ResultFrames.honest(offer,
                    nodeId, key, "", 0, java.util.List.of(new dev.hearth.core.receipt.OutputFile("/job/out/r/a.txt",
                            bytes.length, digest.substring(7))))));
            agent.expect("result_ack");
            JsonNode listed = expect(200, "GET /v1/jobs/{id}/outputs", "GET", "/v1/jobs/" + id + "/outputs", null);
            assertThat(listed.at("/outputs/0/stored").asBoolean()).isTrue();
            String one = "GET /v1/jobs/{id}/outputs/{path}";
            assertThat(call("GET", "/v1/jobs/" + id + "/outputs/r/a.txt", null, null, admin).body())
                    .isEqualTo("openapi blob");
            send(200, one, "GET", "/v1/jobs/" + id + "/outputs/r/a.txt", null, null, admin);
            send(404, one, "GET", "/v1/jobs/" + id + "/outputs/r/b.txt", null, null, admin);
        }
        expect(404, "GET /v1/jobs/{id}/outputs", "GET", "/v1/jobs/nope/outputs", null);
    }

    /** The node's uploads of its job's outputs: stored, refused for their hash, size, form, lease, job. */
    private void outputAnswers(String id, long epoch, String token, String nodeKey) throws Exception {
        String put = "PUT /v1/agent/jobs/{id}/outputs/{path}";
        String base = "/v1/agent/jobs/" + id + "/outputs/";
        String hex = BlobsApiTest.digest("openapi blob".getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .substring(7);
        send(201, put, "PUT", base + "r/a.txt?epoch=" + epoch + "&sha256=" + hex, "application/octet-stream",
                "openapi blob", token, "Hearth-Node-Key", nodeKey);
        send(422, put, "PUT", base + "r/b.txt?epoch=" + epoch + "&sha256=" + hex, "application/octet-stream",
                "other bytes", token, "Hearth-Node-Key", nodeKey);
        send(400, put, "PUT", base + "r/b.txt?epoch=" + epoch + "&sha256=nope", "application/octet-stream",
                "other bytes", token, "Hearth-Node-Key", nodeKey);
        send(413, put, "PUT", base + "big?epoch=" + epoch + "&sha256=" + hex, "application/octet-stream",
                "x".repeat(1025), token, "Hearth-Node-Key", nodeKey);
        send(403, put, "PUT", base + "r/a.txt?epoch=" + (epoch + 1) + "&sha256=" + hex, "application/octet-stream",
                "openapi blob", token, "Hearth-Node-Key", nodeKey);
        send(404, put, "PUT", "/v1/agent/jobs/nope/outputs/a?epoch=1&sha256=" + hex, "application/octet-stream",
                "openapi blob", token, "Hearth-Node-Key", nodeKey);
    }

    /** A PUT of ASCII {@code bytes} (sent as text, the same bytes) through the document's checks. */
    private JsonNode putBlob(int status, String digest, byte[] bytes) throws Exception {
        return send(status, "PUT /v1/blobs/{digest}", "PUT", "/v1/blobs/" + digest, "application/octet-stream",
                new String(bytes, java.nio.charset.StandardCharsets.US_ASCII), admin);
    }

    private void signedResult(String token) throws Exception {
        java.security.KeyPair key = java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        try (ScriptedAgent agent = new ScriptedAgent(server.port())) {
            agent.send(dev.hearth.coordinator.ResultFrames.hearthRegister(token, key,
                    agent.expect("hello").get("nonce").asText()));
            String nodeId = agent.expect("registered").get("nodeId").asText();
            String id = expect(201, "POST /v1/jobs", "POST", "/v1/jobs", "{\"command\":[\"echo\",\"hi\"],\"cpus\":\"3\"}")
                    .get("id").asText(); // 3 CPUs: more than the v2.0 node above (disconnected, not yet lost) has
            agent.send(dev.hearth.coordinator.ResultFrames.frame(dev.hearth.coordinator.ResultFrames.honest(
                    agent.expect("job"), nodeId, key, "hi\n", 0)));
            assertThat(agent.expect("result_ack").get("verdict").asText()).isEqualTo("passed");
            JsonNode job = expect(200, "GET /v1/jobs/{id}", "GET", "/v1/jobs/" + id, null);
            assertThat(job.at("/verdict/outcome").asText()).isEqualTo("passed");
            assertThat(expect(200, "GET /v1/jobs/{id}/receipt", "GET", "/v1/jobs/" + id + "/receipt", null)
                    .at("/receipt/jobId").asText()).isEqualTo(id);
            assertThat(expect(200, "GET /v1/nodes", "GET", "/v1/nodes", null).toString()).contains("keyFingerprint");
        }
    }

    private JsonNode expect(int status, String operation, String method, String path, String json) throws Exception {
        return send(status, operation, method, path, "application/json", json, admin);
    }

    /**
     * Sends one request and checks the answer against the document: the code is documented for the operation, the
     * media type is one it lists, and a JSON body has the schema's required properties and conforms to it.
     */
    JsonNode send(int status, String operation, String method, String path, String type, String body,
            String token) throws Exception {
        return send(status, operation, method, path, type, body, token, new String[0]);
    }

    /** As {@link #send(int, String, String, String, String, String, String)}, with more headers (name, value, ...). */
    private JsonNode send(int status, String operation, String method, String path, String type, String body,
            String token, String... headers) throws Exception {
        HttpResponse<String> r = call(method, path, type, body, token, headers);
        String where = method + " " + path + " -> " + r.statusCode() + " " + r.body();
        assertThat(doc.statuses(operation)).as("documented codes of %s (%s)", operation, where)
                .contains(String.valueOf(r.statusCode()));
        assertThat(r.statusCode()).as("the answer this request should provoke (%s)", where).isEqualTo(status);
        answered.add(operation + " " + status);
        String mediaType = r.headers().firstValue("Content-Type").orElse("").split(";")[0].strip();
        assertThat(doc.mediaTypes(operation, status)).as("documented media types (%s)", where).contains(mediaType);
        if (!mediaType.equals("application/json") && !mediaType.equals(ProblemDetails.MEDIA_TYPE)) {
            return Json.mapper().missingNode();
        }
        JsonNode json = Json.mapper().readTree(r.body());
        if (status >= 400) {
            // every error is an RFC 9457 problem naming the request it answers, its stable code kept
            assertThat(mediaType).as("problem media type (%s)", where).isEqualTo(ProblemDetails.MEDIA_TYPE);
            assertThat(json.path("status").asInt()).as("problem status (%s)", where).isEqualTo(status);
            assertThat(json.path("type").asText()).as("problem type (%s)", where)
                    .isEqualTo(ProblemDetails.TYPE_PREFIX + json.path("code").asText());
            assertThat(json.path("code").asText()).as("problem code (%s)", where).isEqualTo(json.path("error").asText());
            assertThat(json.path("detail").asText()).as("problem detail (%s)", where).isNotBlank();
            if (path.startsWith("/v1/")) {
                assertThat(json.path("instance").asText()).as("problem instance (%s)", where)
                        .isEqualTo(path.replaceAll("\\?.*", ""));
            }
        }
        JsonNode schema = doc.schema(operation, status, mediaType);
        for (String required : doc.requiredProperties(schema)) {
            assertThat(json.has(required)).as("required property '%s' (%s)", required, where).isTrue();
        }
        assertThat(doc.validate(schema, json)).as("schema violations (%s)", where).isEmpty();
        return json;
    }

    private HttpResponse<String> call(String method, String path, String type, String body, String token,
            String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (type != null) {
            b.header("Content-Type", type);
        }
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private void awaitState(String id, String state) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        String seen;
        do {
            seen = Json.mapper().readTree(call("GET", "/v1/jobs/" + id, null, null, admin).body()).path("state").asText();
            if (seen.equals(state)) {
                return;
            }
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("job " + id + " not " + state + " within 15 s (last seen " + seen + ")");
    }

}
