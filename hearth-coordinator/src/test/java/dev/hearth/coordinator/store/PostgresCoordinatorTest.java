// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.coordinator.CoordinatorConfig;
import dev.hearth.coordinator.CoordinatorServer;
import dev.hearth.coordinator.ScriptedHearthNode;
import dev.hearth.coordinator.ServerTls;
import dev.hearth.coordinator.oracle.CompletionPolicy;
import dev.hearth.coordinator.oracle.OraclePolicy;
import dev.hearth.coordinator.oracle.OracleSettings;
import dev.hearth.coordinator.oracle.TimingPolicy;
import dev.hearth.coordinator.store.sql.StoreDump;
import dev.hearth.core.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("A coordinator moved from SQLite to PostgreSQL by export and import runs the jobs it had queued")
class PostgresCoordinatorTest {

    private static final OracleSettings ORACLE = new OracleSettings(new OraclePolicy(OraclePolicy.Unsigned.DENY,
            TimingPolicy.LENIENT, CompletionPolicy.EXIT_ZERO), List.of(), false);

    @TempDir
    Path data;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    @DisplayName("jobs queued on SQLite are exported, imported into PostgreSQL, and completed there by a node, paid once")
    void sqliteToPostgresServes() throws Exception {
        CoordinatorConfig config = new CoordinatorConfig("127.0.0.1", 0, data, Duration.ofSeconds(1),
                Duration.ofSeconds(30), 1 << 20, Duration.ofMillis(50));
        List<String> jobs;
        try (CoordinatorServer sqlite = CoordinatorServer.start(config, InstantSource.system(), ORACLE,
                new ServerTls.Mode.Off())) {
            api(sqlite, "POST", "/v1/ledger/deposits", "{\"account\":\"client:default\",\"amount\":\"10\"}");
            jobs = List.of(submit(sqlite), submit(sqlite));
        }
        Path file = data.resolve("move.export");
        StoreDump.export(new Database.Sqlite(data.resolve("hearth.db")), file);
        PostgresCluster cluster = PostgresCluster.shared();
        Database.Postgres pg = new Database.Postgres(cluster.location(cluster.emptyDatabase()), cluster.password(), 4);
        StoreDump.importInto(file, pg);

        try (CoordinatorServer moved = CoordinatorServer.start(config, InstantSource.system(), ORACLE,
                new ServerTls.Mode.Off(), pg);
                ScriptedHearthNode node = new ScriptedHearthNode(
                        api(moved, "POST", "/v1/tokens", "{\"label\":\"pg\"}").get("token").asText(), 2, false)) {
            assertThat(api(moved, "GET", "/v1/jobs/" + jobs.getFirst(), null).get("state").asText()).isEqualTo("queued");
            node.connect(moved.port());
            for (String id : jobs) {
                awaitState(moved, id, "completed");
            }
            assertThat(api(moved, "GET", "/v1/ledger/accounts/client:default", null).get("balanceMicros").asLong())
                    .isEqualTo(8_000_000);
            // each job's hold released to the node once: 2 credits, never more however long we look
            String account = "/v1/ledger/accounts/node:" + node.nodeId();
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (status(moved, account) != 200 && System.nanoTime() < deadline
                    || api(moved, "GET", account, null).path("balanceMicros").asLong() < 2_000_000
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            Thread.sleep(200);
            assertThat(api(moved, "GET", account, null).get("balanceMicros").asLong()).isEqualTo(2_000_000);
        }
    }

    @Test
    @DisplayName("two coordinators on one database: jobs submitted to either run on a node connected only to one of "
            + "them, each leased once and paid once; a cancel through the other reaches the node")
    void twoCoordinatorsShareTheQueue() throws Exception {
        CoordinatorConfig config = new CoordinatorConfig("127.0.0.1", 0, data, Duration.ofSeconds(1),
                Duration.ofSeconds(30), 1 << 20, Duration.ofMillis(50));
        PostgresCluster cluster = PostgresCluster.shared();
        String database = cluster.freshDatabase();
        try (CoordinatorServer a = CoordinatorServer.start(config, InstantSource.system(), ORACLE,
                new ServerTls.Mode.Off(), new Database.Postgres(cluster.location(database), cluster.password(), 4))) {
            Path other = Files.createDirectories(data.resolve("b"));
            Files.copy(data.resolve("admin.token"), other.resolve("admin.token")); // coordinators share it
            CoordinatorConfig second = new CoordinatorConfig("127.0.0.1", 0, other, Duration.ofSeconds(1),
                    Duration.ofSeconds(30), 1 << 20, Duration.ofMillis(50));
            try (CoordinatorServer b = CoordinatorServer.start(second, InstantSource.system(), ORACLE,
                    new ServerTls.Mode.Off(), new Database.Postgres(cluster.location(database), cluster.password(), 4));
                    ScriptedHearthNode node = new ScriptedHearthNode(
                            api(a, "POST", "/v1/tokens", "{\"label\":\"pg\"}").get("token").asText(), 2, false)) {
                api(a, "POST", "/v1/ledger/deposits", "{\"account\":\"client:default\",\"amount\":\"10\"}");
                node.connect(b.port());
                List<String> jobs = List.of(submit(a), submit(b), submit(a), submit(a));
                for (String id : jobs) {
                    awaitState(b, id, "completed");
                    JsonNode j = api(a, "GET", "/v1/jobs/" + id, null);
                    assertThat(j.path("state").asText()).isEqualTo("completed");
                    assertThat(j.path("epoch").asLong()).as("leased once: %s", j).isEqualTo(1);
                }
                assertThat(api(b, "GET", "/v1/ledger/accounts/client:default", null).get("balanceMicros").asLong())
                        .isEqualTo(6_000_000);

                // a cancel through the coordinator the node is not connected to reaches it through the other
                String hanging = api(a, "POST", "/v1/jobs", "{\"command\":[\"hang\"],\"cpus\":\"0.5\","
                        + "\"memory\":\"64m\",\"timeout\":\"60s\",\"retries\":0}").get("id").asText();
                awaitHeld(node, hanging, true);
                api(a, "POST", "/v1/jobs/" + hanging + "/cancel", null);
                awaitHeld(node, hanging, false);
                assertThat(api(b, "GET", "/v1/jobs/" + hanging, null).path("state").asText()).isEqualTo("cancelled");
            }
        }
    }

    private static void awaitHeld(ScriptedHearthNode node, String jobId, boolean held) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (node.held().containsKey(jobId) != held) {
            assertThat(System.nanoTime()).as("job %s %s by the node within 20 s", jobId, held ? "held" : "dropped")
                    .isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    private String submit(CoordinatorServer server) throws Exception {
        return api(server, "POST", "/v1/jobs", "{\"command\":[\"completed\"],\"cpus\":\"0.5\",\"memory\":\"64m\","
                + "\"timeout\":\"60s\",\"retries\":0,\"price\":\"1\"}").get("id").asText();
    }

    private void awaitState(CoordinatorServer server, String id, String state) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        JsonNode j;
        do {
            j = api(server, "GET", "/v1/jobs/" + id, null);
            if (state.equals(j.path("state").asText())) {
                return;
            }
            Thread.sleep(20);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("job " + id + " not " + state + " within 20 s: " + j);
    }

    private int status(CoordinatorServer server, String path) throws Exception {
        String admin = Files.readString(data.resolve("admin.token")).strip();
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .header("Authorization", "Bearer " + admin).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private JsonNode api(CoordinatorServer server, String method, String path, String body) throws Exception {
        String admin = Files.readString(data.resolve("admin.token")).strip();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .header("Authorization", "Bearer " + admin).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isLessThan(300);
        return Json.mapper().readTree(r.body());
    }
}
