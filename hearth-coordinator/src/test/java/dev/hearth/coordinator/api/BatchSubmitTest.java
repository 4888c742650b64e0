// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.coordinator.CoordinatorConfig;
import dev.hearth.coordinator.CoordinatorServer;
import dev.hearth.coordinator.ledger.LedgerConfig;
import dev.hearth.coordinator.ledger.RateCard;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("POST /v1/jobs/batch: many jobs in one call, all or none, each refusal naming its job")
class BatchSubmitTest {

    @TempDir
    Path data;
    private CoordinatorServer server;
    private String admin;
    private ApiCalls api;

    @BeforeEach
    void start() throws Exception {
        LedgerConfig ledger = new LedgerConfig(new RateCard(1000, 500, 0), 100_000_000L, Optional.empty(),
                Duration.ofMillis(50));
        server = CoordinatorServer.start(new CoordinatorConfig("127.0.0.1", 0, data, Duration.ofSeconds(1),
                Duration.ofSeconds(30), 1 << 20, Duration.ofMillis(100), ledger)
                .withIdempotencyRetention(Duration.ofHours(24)), InstantSource.system());
        admin = Files.readString(data.resolve("admin.token")).strip();
        api = new ApiCalls(server.port(), admin);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static String batch(List<String> docs) {
        return "{\"jobs\":[" + String.join(",", docs) + "]}";
    }

    private static List<String> sleeps(int n, String price) {
        return IntStream.range(0, n).mapToObj(i -> "{\"command\":[\"sleep\",\"" + (60 + i) + "\"],\"price\":\""
                + price + "\"}").collect(Collectors.toCollection(ArrayList::new));
    }

    @Test
    @DisplayName("a client's batch is queued in order, its prices held from its account, one trace for the call")
    void queuesInOrder() throws Exception {
        String alice = client("alice", "10", null);
        HttpResponse<String> r = post(alice, batch(sleeps(5, "1.5")), null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        JsonNode jobs = json(r).get("jobs");
        assertThat(jobs).hasSize(5);
        for (JsonNode j : jobs) {
            assertThat(j.get("state").asText()).isEqualTo("queued");
            assertThat(j.get("account").asText()).isEqualTo("client:alice");
            assertThat(j.get("price").asText()).isEqualTo("1.5");
            assertThat(j.get("payment").asText()).isEqualTo("held");
            // the same view GET /v1/jobs/{id} gives (but for what a scheduling pass wrote since: why not placed)
            var read = (com.fasterxml.jackson.databind.node.ObjectNode) json(send(alice, "GET", "/v1/jobs/"
                    + j.get("id").asText(), null, null));
            read.remove(List.of("reason", "updatedAt"));
            assertThat(read).isEqualTo(((com.fasterxml.jackson.databind.node.ObjectNode) j.deepCopy())
                    .without(List.of("reason", "updatedAt")));
        }
        assertThat(r.headers().firstValue("traceparent")).isPresent();
        for (int i = 0; i < 5; i++) {
            String spec = send(alice, "GET", "/v1/jobs/" + jobs.get(i).get("id").asText() + "/spec", null, null)
                    .body();
            assertThat(spec).contains("\"" + (60 + i) + "\"");
        }
        assertThat(balance("alice")).isEqualTo("2.5");
    }

    @Test
    @DisplayName("one bad document refuses the whole batch, naming jobs[i] and its field; nothing is queued or held")
    void oneBadDocumentRefusesAll() throws Exception {
        String alice = client("alice", "10", null);
        List<String> docs = sleeps(3, "1");
        docs.set(1, "{\"command\":[\"true\"],\"memory\":\"lots\"}");
        HttpResponse<String> r = post(alice, batch(docs), null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(json(r).get("field").asText()).isEqualTo("jobs[1].memory");
        assertThat(json(r).get("message").asText()).contains("jobs[1].memory").contains("nothing of the batch");

        docs.set(1, "{\"command\":[\"true\"],\"nonsense\":1}");
        r = post(alice, batch(docs), null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(json(r).get("field").asText()).isEqualTo("jobs[1]");
        assertThat(json(r).get("message").asText()).contains("nonsense");

        docs.set(1, "\"echo hi\"");
        r = post(alice, batch(docs), null);
        assertThat(json(r).get("field").asText()).isEqualTo("jobs[1]");

        docs.set(1, "{\"command\":[\"true\"],\"account\":\"bob\"}");
        r = post(alice, batch(docs), null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
        assertThat(json(r).get("message").asText()).contains("jobs[1].account");

        assertThat(jobs(alice)).isEmpty();
        assertThat(balance("alice")).isEqualTo("10");
    }

    @Test
    @DisplayName("the batch's form: a jobs array of 1 to 1000 documents and nothing else")
    void form() throws Exception {
        String[][] cases = {
            {"", "jobs"}, {"[]", "jobs"}, {"{\"job\":[]}", "jobs"}, {"{\"jobs\":{}}", "jobs"},
            {"{\"jobs\":[]}", "jobs"},
            {"{\"jobs\":[{\"command\":[\"true\"]}],\"priority\":3}", "priority"},
        };
        for (String[] c : cases) {
            HttpResponse<String> r = post(admin, c[0], null);
            assertThat(r.statusCode()).as(c[0] + " -> " + r.body()).isEqualTo(400);
            assertThat(json(r).get("field").asText()).as(c[0]).isEqualTo(c[1]);
        }
        HttpResponse<String> notJson = post(admin, "{\"jobs\":[", null);
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(json(notJson).get("error").asText()).isEqualTo("invalid_document");

        HttpResponse<String> tooMany = post(admin, batch(sleeps(JobsApi.MAX_BATCH + 1, "0")), null);
        assertThat(tooMany.statusCode()).as(tooMany.body()).isEqualTo(400);
        assertThat(json(tooMany).get("message").asText()).contains("1001 jobs").contains("1 to 1000");

        String huge = "{\"jobs\":[{\"command\":[\"true\"],\"env\":{\"X\":\"" + "x".repeat(JobsApi.MAX_BATCH_BYTES)
                + "\"}}]}";
        HttpResponse<String> tooLarge = post(admin, huge, null);
        assertThat(tooLarge.statusCode()).isEqualTo(413);
        assertThat(json(tooLarge).get("message").asText()).contains("16 MiB");
        assertThat(jobs(admin)).isEmpty();
    }

    @Test
    @DisplayName("a price that cannot be held, or a quota the batch would pass together, queues none of it")
    void fundsAndQuotaCountTheWholeBatch() throws Exception {
        String alice = client("alice", "5", null);
        HttpResponse<String> poor = post(alice, batch(sleeps(3, "2")), null); // 6 > 5, though each job fits
        assertThat(poor.statusCode()).as(poor.body()).isEqualTo(402);
        assertThat(json(poor).get("price").asText()).isEqualTo("6");
        assertThat(json(poor).get("message").asText()).contains("3 jobs").contains("nothing of the batch");
        assertThat(jobs(alice)).isEmpty();
        assertThat(balance("alice")).isEqualTo("5");

        String bob = client("bob", "100", "{\"queuedJobs\":4}");
        assertThat(post(bob, batch(sleeps(3, "1")), null).statusCode()).isEqualTo(201);
        HttpResponse<String> over = post(bob, batch(sleeps(2, "1")), null); // 3 + 2 > 4
        assertThat(over.statusCode()).as(over.body()).isEqualTo(429);
        assertThat(json(over).get("limit").asText()).isEqualTo("queuedJobs");
        assertThat(json(over).get("message").asText()).contains("this batch of 2 jobs would make it 5");
        assertThat(jobs(bob)).hasSize(3);
    }

    @Test
    @DisplayName("a retried batch with the same Idempotency-Key answers the same jobs and queues nothing more")
    void idempotent() throws Exception {
        String alice = client("alice", "10", null);
        String body = batch(sleeps(4, "1"));
        HttpResponse<String> first = post(alice, body, "batch-1");
        HttpResponse<String> again = post(alice, body, "batch-1");
        assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(again.headers().firstValue("Idempotent-Replayed")).contains("true");
        assertThat(jobs(alice)).hasSize(4);
        assertThat(balance("alice")).isEqualTo("6");
    }

    @Test
    @DisplayName("k-of-n jobs go in a batch too: their copies are queued and their shares held")
    void redundantJobs() throws Exception {
        String alice = client("alice", "10", null);
        List<String> docs = sleeps(1, "1");
        docs.add("{\"command\":[\"true\"],\"price\":\"3\",\"redundancy\":{\"n\":3,\"k\":2}}");
        HttpResponse<String> r = post(alice, batch(docs), null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        JsonNode parent = json(r).get("jobs").get(1);
        assertThat(parent.get("state").asText()).isEqualTo("redundant");
        assertThat(parent.get("copies")).hasSize(3);
        assertThat(balance("alice")).isEqualTo("6");
    }

    private String client(String name, String deposit, String quota) throws Exception {
        return api.client(name, deposit, quota);
    }

    private String balance(String name) throws Exception {
        return api.balance(name);
    }

    private JsonNode jobs(String key) throws Exception {
        return api.jobs(key);
    }

    private HttpResponse<String> post(String key, String body, String idempotencyKey) throws Exception {
        return api.send(key, "POST", "/v1/jobs/batch", body, idempotencyKey);
    }

    private HttpResponse<String> send(String key, String method, String path, String body, String idempotencyKey)
            throws Exception {
        return api.send(key, method, path, body, idempotencyKey);
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return ApiCalls.json(r);
    }
}
