// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.coordinator.CoordinatorServer;
import dev.hearth.core.json.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("--json against a real coordinator: one document per command, with the API's own fields")
class JsonOutputTest {

    @TempDir
    Path data;
    private TestCoordinator coordinator;
    private CoordinatorServer server;
    private Map<String, String> env;

    @BeforeEach
    void start() throws Exception {
        coordinator = TestCoordinator.start(data);
        server = coordinator.server();
        env = coordinator.env();
    }

    @AfterEach
    void stop() {
        coordinator.close();
    }

    /** Runs {@code hearth ARGS} with {@code --json}, checks it succeeded, and parses its whole standard output as one document. */
    private JsonNode json(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        all.add(all.contains("--") ? all.indexOf("--") : all.size(), "--json"); // before a job's command
        CliRun r = CliRun.of(env, all.toArray(String[]::new));
        assertThat(r.exit()).as(String.join(" ", all) + ": " + r.err()).isZero();
        return Json.mapper().readTree(r.out());
    }

    /** The coordinator's own answer to GET {@code path}, as the admin. */
    private JsonNode api(String path) throws Exception {
        return CoordinatorClient.from(null, env).get(path);
    }

    @Test
    @DisplayName("node, token, key, client, audit, ledger and job commands print the API's documents")
    void adminAndClientCommands() throws Exception {
        String nodeId = LegacyNode.register(server.port(), env);
        JsonNode client = json("client", "create", "alice");
        assertThat(client.path("key").asText()).startsWith("hck_").contains(client.path("id").asText());
        JsonNode key = json("key", "create", "--owner", "alice", "--label", "ci");
        assertThat(key.path("key").asText()).startsWith("hck_");
        assertThat(json("key", "rotate", key.path("id").asText()).path("id").asText())
                .isNotEqualTo(key.path("id").asText());
        assertThat(json("token", "create", "--label", "spare").path("token").asText()).startsWith("hnt_");
        assertThat(CliRun.of(env, "ledger", "deposit", "alice", "10").exit()).isZero();
        String jobId = json("job", "submit", "--price", "2.5", "--account", "alice", "--", "true").path("id").asText();
        CliRun both = CliRun.of(env, "job", "submit", "--wait", "--json", "--", "true");
        assertThat(both.exit()).isEqualTo(2);
        assertThat(both.err()).contains("--json").contains("without --wait");

        JsonNode nodes = json("node", "list");
        assertThat(nodes.path("nodes")).hasSize(1);
        assertThat(nodes.at("/nodes/0/id").asText()).isEqualTo(nodeId);
        assertThat(fields(nodes.at("/nodes/0"))).isEqualTo(fields(api("/v1/nodes").at("/nodes/0")));
        JsonNode node = json("node", "status", nodeId);
        assertThat(node.path("id").asText()).isEqualTo(nodeId);
        assertThat(node.path("standing").isObject()).isTrue();

        assertThat(json("token", "list")).isEqualTo(api("/v1/tokens"));
        assertThat(json("key", "list")).isEqualTo(api("/v1/keys"));
        JsonNode clients = json("client", "list");
        assertThat(clients).isEqualTo(api("/v1/clients"));
        assertThat(clients.at("/clients/0/name").asText()).isEqualTo("alice");
        JsonNode audit = json("audit", "list", "--limit", "5");
        assertThat(audit.path("events")).isNotEmpty();
        assertThat(audit.at("/events/0").has("actor")).isTrue();

        JsonNode balances = json("ledger", "balance");
        assertThat(balances).isEqualTo(api("/v1/ledger/accounts"));
        assertThat(balances.path("totalMicros").asLong()).isZero();
        JsonNode alice = json("ledger", "balance", "--account", "alice");
        assertThat(alice.path("id").asText()).isEqualTo("client:alice");
        assertThat(alice.path("balance").asText()).isEqualTo("7.5");
        JsonNode history = json("ledger", "history", "--account", "alice");
        assertThat(history).isEqualTo(api("/v1/ledger/transfers?limit=50&account=client%3Aalice"));
        assertThat(history.path("transfers")).hasSize(2);

        JsonNode jobs = json("job", "list");
        assertThat(jobs.path("jobs")).hasSize(1);
        assertThat(jobs.at("/jobs/0/id").asText()).isEqualTo(jobId);
        assertThat(fields(jobs.at("/jobs/0"))).isEqualTo(fields(api("/v1/jobs").at("/jobs/0")));
        assertThat(json("job", "status", jobId).path("id").asText()).isEqualTo(jobId);
        assertThat(json("instance", "list", "--coordinator", env.get("HEARTH_COORDINATOR")))
                .isEqualTo(api("/v1/instances"));
    }

    @Test
    @DisplayName("without --json the same commands print tables, not JSON; a refused call prints nothing on stdout")
    void textStaysText() {
        CliRun list = CliRun.of(env, "ledger", "balance");
        assertThat(list.exit()).isZero();
        assertThat(list.out()).startsWith("ACCOUNT").containsPattern("total\\s+0");
        Map<String, String> stranger = new HashMap<>(env);
        stranger.put("HEARTH_TOKEN", "hck_nobody_0000");
        CliRun refused = CliRun.of(stranger, "node", "list", "--json");
        assertThat(refused.exit()).isNotZero();
        assertThat(refused.out()).isEmpty();
    }

    private static List<String> fields(JsonNode n) {
        List<String> names = new ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
