// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.core.json.Json;
import dev.hearth.core.protocol.Protocol;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.KeyPair;
import java.security.Signature;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("A scheduling pass grants its leases in one transaction: a failure undoes the whole pass")
class SchedulerGrantTest {

    @TempDir
    Path data;
    private CoordinatorServer server;
    private String admin;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        server = CoordinatorServer.start(new CoordinatorConfig("127.0.0.1", 0, data, Duration.ofSeconds(5),
                Duration.ofSeconds(15), 64 * 1024, Duration.ofMillis(100)), InstantSource.system());
        admin = Files.readString(data.resolve("admin.token")).strip();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private JsonNode api(String method, String path, String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                + path)).method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + admin).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isLessThan(300);
        return Json.mapper().readTree(r.body());
    }

    /** A hearth/1 registration offering exactly three slots (8 CPUs, 16 GiB: three default jobs fit). */
    private static String register(String token, KeyPair key, String nonce) throws Exception {
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(key.getPrivate());
        s.update(Protocol.registrationChallenge(nonce));
        String pub = Base64.getEncoder().encodeToString(key.getPublic().getEncoded());
        return "{\"type\":\"register\",\"token\":\"" + token + "\",\"protocol\":\"hearth/1\",\"nodeKey\":\"" + pub
                + "\",\"signature\":\"" + Base64.getEncoder().encodeToString(s.sign()) + "\","
                + "\"hostInfo\":{\"hostname\":\"h3\",\"cpus\":8,\"memory_bytes\":17179869184,\"runtimes\":[\"docker\"]},"
                + "\"capacity\":{\"slots\":3,\"cpus\":8.0,\"memory_bytes\":17179869184,\"gpus\":[]},\"held\":[]}";
    }

    private void sql(String statement) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("hearth.db"));
                Statement s = c.createStatement()) {
            s.execute("PRAGMA busy_timeout = 5000");
            s.execute(statement);
        }
    }

    @Test
    @DisplayName("the second grant of a pass fails in the database: no job is leased, no offer goes out, and once "
            + "the fault is gone all three jobs fit the node's three slots (no load was kept from the failed pass)")
    void failedPassLeavesNothing() throws Exception {
        List<String> jobs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            jobs.add(api("POST", "/v1/jobs", "{\"command\":[\"true\"]}").get("id").asText());
        }
        // a real database failure inside the grant transaction: the second lease row of a transaction is refused
        sql("CREATE TRIGGER second_lease_fails BEFORE INSERT ON leases WHEN (SELECT COUNT(*) FROM leases) >= 1 "
                + "BEGIN SELECT RAISE(ABORT, 'injected fault'); END");
        String token = api("POST", "/v1/tokens", "{\"ttl\":\"1h\",\"label\":\"t\"}").get("token").asText();
        try (ScriptedAgent agent = new ScriptedAgent(server.port())) {
            KeyPair key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            agent.send(register(token, key, agent.expect("hello").get("nonce").asText()));
            agent.expect("registered");

            JsonNode early = agent.next(1500); // passes run every 100 ms and fail
            assertThat(early == null ? "none" : early.path("type").asText()).as("no offer from a failed pass")
                    .isNotEqualTo("job");
            for (String id : jobs) {
                JsonNode j = api("GET", "/v1/jobs/" + id, null);
                assertThat(j.path("state").asText()).as(id).isEqualTo("queued");
                assertThat(j.path("attempts").asInt()).as(id).isZero();
            }

            sql("DROP TRIGGER second_lease_fails");
            List<String> offered = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (offered.size() < 3 && System.nanoTime() < deadline) {
                JsonNode m = agent.next(500);
                if (m != null && "job".equals(m.path("type").asText())) {
                    offered.add(m.path("id").asText());
                }
            }
            assertThat(offered).containsExactlyInAnyOrderElementsOf(jobs);
            for (String id : jobs) {
                assertThat(api("GET", "/v1/jobs/" + id, null).path("state").asText()).isEqualTo("leased");
            }
        }
    }
}
