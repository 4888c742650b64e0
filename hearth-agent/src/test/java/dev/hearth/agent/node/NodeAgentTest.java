// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.agent.inventory.HostInventory;
import dev.hearth.agent.inventory.NvidiaSmi;
import dev.hearth.agent.link.NodeIdentity;
import dev.hearth.agent.link.Outbox;
import dev.hearth.coordinator.CoordinatorConfig;
import dev.hearth.coordinator.CoordinatorServer;
import dev.hearth.core.json.Json;
import dev.hearth.core.proof.ProofHashes;
import dev.hearth.core.receipt.NodeKeys;
import dev.hearth.core.receipt.ReceiptVerifier;
import dev.hearth.core.receipt.SignedReceipt;
import dev.hearth.core.protocol.Protocol;
import dev.hearth.sandbox.DockerFixture;
import dev.hearth.sandbox.docker.DockerDriver;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("A node agent against a real coordinator and Docker: health, metrics, cancel, drain")
class NodeAgentTest {

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();
    private CoordinatorServer coordinator;
    private String admin;
    private NodeAgent agent;
    private HealthServer health;
    private final List<String> submitted = new java.util.ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        DockerFixture.driver();
        Path data = dir.resolve("coordinator");
        coordinator = CoordinatorServer.start(new CoordinatorConfig("127.0.0.1", 0, data, Duration.ofSeconds(1),
                Duration.ofSeconds(4), Protocol.DEFAULT_MAX_FRAME_BYTES, Duration.ofMillis(200)),
                InstantSource.system());
        admin = Files.readString(data.resolve("admin.token")).strip();
        String token = api("POST", "/v1/tokens", "{\"label\":\"agent-test\"}").get("token").asText();
        Path state = dir.resolve("agent");
        AgentConfig config = AgentConfig.resolve(Map.of(AgentConfig.Key.ENDPOINT, "ws://127.0.0.1:"
                + coordinator.port(), AgentConfig.Key.HEARTBEAT_INTERVAL, "1s", AgentConfig.Key.RECONNECT_DELAY,
                "200ms", AgentConfig.Key.RECONNECT_MAX, "1s", AgentConfig.Key.HEALTH_PORT, "0"),
                Map.of("HN_NODE_TOKEN", token), null, state, 2);
        DockerDriver docker = DockerDriver.connect();
        agent = new NodeAgent(config, docker, NodeIdentity.loadOrCreate(state), Outbox.open(state),
                new HostInventory(new NvidiaSmi()).read(List.of("docker"), "test", "test"), InstantSource.system());
        health = HealthServer.start(agent, 0, state);
        agent.start();
        await("agent healthy", () -> healthz().statusCode() == 200);
    }

    @AfterEach
    void stop() throws Exception {
        health.close();
        agent.close();
        coordinator.close();
        for (String id : submitted) {
            assertThat(DockerFixture.hearthContainers(id)).as("containers of job %s left", id).isEmpty();
        }
    }

    @Test
    @DisplayName("/healthz says registered and engine ok; /metrics counts jobs; it says down when the coordinator goes")
    void healthAndMetrics() throws Exception {
        JsonNode h = Json.mapper().readTree(healthz().body());
        assertThat(h.get("status").asText()).isEqualTo("ok");
        assertThat(h.get("engine").asText()).isEqualTo("ok");
        assertThat(h.get("nodeId").asText()).isNotBlank();
        String id = submit("echo hi");
        await("job completed", () -> "completed".equals(job(id).path("state").asText()));
        await("result acknowledged", () -> Json.mapper().readTree(healthz().body()).get("outboxPending").asInt() == 0);
        String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + health.port()
                + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("hearth_agent_registered 1.0")
                .containsPattern("hearth_agent_jobs_finished_total\\{status=\"completed\"\\} 1\\.0");
        coordinator.close();
        await("health down", () -> healthz().statusCode() == 503);
        assertThat(Json.mapper().readTree(healthz().body()).get("registered").asBoolean()).isFalse();
        coordinator = CoordinatorServer.start(new CoordinatorConfig("127.0.0.1", 0, dir.resolve("c2"),
                Duration.ofSeconds(1), Duration.ofSeconds(4), Protocol.DEFAULT_MAX_FRAME_BYTES, Duration.ofMillis(200)),
                InstantSource.system());
    }

    @Test
    @DisplayName("a job shows in every histogram on both sides; every metric the Grafana dashboard and "
            + "docs/operations.md name is one a real coordinator or agent exposes, and every one exposed is explained")
    void metricsMatchTheDashboardAndTheDocs() throws Exception {
        String id = submit("echo hi");
        await("job completed", () -> "completed".equals(job(id).path("state").asText()));
        await("result acknowledged", () -> Json.mapper().readTree(healthz().body()).get("outboxPending").asInt() == 0);
        await("a heartbeat answered", () -> java.util.regex.Pattern.compile(
                "hearth_agent_heartbeat_rtt_seconds_count [1-9]").matcher(scrape(health.port())).find());
        String coordinatorText = text("/metrics");
        Path state = dir.resolve("metrics-address");
        Files.createDirectories(state);
        String agentText;
        try (HealthServer remote = HealthServer.start(agent, 0, state, new java.net.InetSocketAddress("127.0.0.1", 0))) {
            agentText = scrape(remote.metricsPort());
            assertThat(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + remote.metricsPort()
                    + "/healthz")).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                    .as("the metrics address serves /metrics only").isEqualTo(404);
        }
        assertThat(coordinatorText).contains("hearth_placement_seconds_count 1")
                .contains("hearth_submit_to_offer_seconds_count 1")
                .containsPattern("hearth_job_duration_seconds_count\\{status=\"completed\"\\} 1")
                .containsPattern("hearth_verification_seconds_count\\{outcome=\"[a-z]+\"\\} [1-9]")
                .containsPattern("hearth_agent_messages_total\\{direction=\"in\",type=\"job_result\"\\} 1")
                .containsPattern("hearth_agent_messages_total\\{direction=\"out\",type=\"job\"\\} 1")
                .containsPattern("hearth_verdict_checks_total\\{check=\"[a-z_]+\",outcome=\"[a-z]+\"\\} 1")
                .containsPattern("hearth_ledger_settlements_total\\{outcome=\"[a-z]+\"\\} 1")
                .containsPattern("hearth_nodes\\{state=\"online\"\\} 1")
                .contains("jvm_memory_used_bytes").contains("process_cpu_usage");
        assertThat(agentText)
                .containsPattern("hearth_agent_sandbox_start_seconds_count\\{driver=\"docker\",sandbox=\"cold\"\\} 1")
                .containsPattern("hearth_agent_sandbox_start_seconds_count\\{driver=\"docker\",sandbox=\"warm\"\\} 0")
                .containsPattern("hearth_agent_job_duration_seconds_count\\{status=\"completed\"\\} 1")
                .containsPattern("hearth_agent_link_messages_total\\{direction=\"out\",type=\"job_result\"\\} 1")
                .containsPattern("hearth_agent_link_messages_total\\{direction=\"in\",type=\"job\"\\} 1")
                .containsPattern("hearth_agent_heartbeat_rtt_seconds_count [1-9]")
                .contains("hearth_agent_vm_boot_seconds_count").contains("jvm_threads_live_threads")
                .as("no pools: zero warm, zero cold, none ready")
                .containsPattern("hearth_agent_pool_jobs_total\\{runtime=\"docker\",sandbox=\"warm\"\\} 0")
                .containsPattern("hearth_agent_pool_jobs_total\\{runtime=\"docker\",sandbox=\"cold\"\\} 0")
                .containsPattern("hearth_agent_pool_ready\\{runtime=\"docker\"\\} 0");
        java.util.Set<String> exposed = new java.util.TreeSet<>(MetricNames.of(coordinatorText));
        exposed.addAll(MetricNames.of(agentText));
        Path docs = MetricNames.docs();
        java.util.Set<String> dashboard = MetricNames.inDashboard(docs.resolve("grafana/hearth.json"));
        assertThat(dashboard).as("metrics the Grafana dashboard queries").isNotEmpty();
        assertThat(exposed).as("metrics a real coordinator and agent expose").containsAll(dashboard);
        String operations = Files.readString(docs.resolve("operations.md"));
        for (String family : MetricNames.families(coordinatorText + agentText)) {
            if (family.startsWith("hearth_")) {
                assertThat(operations).as("docs/operations.md explains %s", family).contains(family);
            }
        }
        java.util.regex.Matcher named = java.util.regex.Pattern.compile("`(hearth_[a-z0-9_]+)").matcher(operations);
        while (named.find()) {
            String name = named.group(1);
            assertThat(exposed).as("docs/operations.md names %s", name).anyMatch(e -> e.startsWith(name));
        }
    }

    private String scrape(int port) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    @DisplayName("a running job's output reaches the coordinator live, then the result's logs replace it")
    void liveLogs() throws Exception {
        String id = submit("echo first; sleep 3; echo second");
        await("first line visible while the job runs", () -> text("/v1/jobs/" + id + "/logs").equals("first\n")
                && "running".equals(job(id).path("state").asText()));
        HttpResponse<String> live = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + coordinator.port() + "/v1/jobs/" + id + "/logs?offset=2")).header("Authorization", "Bearer " + admin)
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(live.body()).isEqualTo("rst\n");
        assertThat(live.headers().firstValue("Hearth-Log-Complete")).contains("false");
        assertThat(live.headers().firstValue("Hearth-Log-Epoch")).contains("1");
        await("job completed", () -> "completed".equals(job(id).path("state").asText()));
        assertThat(text("/v1/jobs/" + id + "/logs")).isEqualTo("first\nsecond\n");
    }

    @Test
    @DisplayName("a job cancelled through the API stops on the node and leaves no container")
    void cancel() throws Exception {
        String id = submit("echo started; sleep 120");
        await("job running", () -> "running".equals(job(id).path("state").asText())
                && agent.runningJobs() == 1);
        api("POST", "/v1/jobs/" + id + "/cancel", null);
        await("job stopped on the node", () -> agent.runningJobs() == 0);
        assertThat(job(id).path("state").asText()).isEqualTo("cancelled");
        assertThat(DockerFixture.hearthContainers(id)).isEmpty();
    }

    @Test
    @DisplayName("drain: the node reports draining, a job past the grace is cancelled and reported with its output")
    void drain() throws Exception {
        String id = submit("echo started; sleep 120");
        await("job running", () -> "running".equals(job(id).path("state").asText()) && agent.runningJobs() == 1);
        Thread.sleep(500);
        long t0 = System.nanoTime();
        agent.drain(Duration.ofSeconds(1));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(30));
        JsonNode j = job(id);
        assertThat(j.path("result").path("status").asText()).as("%s", j).isEqualTo("error");
        assertThat(j.path("result").path("message").asText()).startsWith("cancelled: the agent is shutting down");
        assertThat(text("/v1/jobs/" + id + "/logs")).isEqualTo("started\n");
        assertThat(api("GET", "/v1/nodes", null).path("nodes").get(0).path("state").asText()).isEqualTo("draining");
        assertThat(Json.mapper().readTree(healthz().body()).get("draining").asBoolean()).isTrue();
    }

    @Test
    @DisplayName("a real job's result carries a receipt signed with the node key, which the oracle passes")
    void signedReceipt() throws Exception {
        String id = submit("echo signed");
        await("job completed", () -> "completed".equals(job(id).path("state").asText()));

        JsonNode j = job(id);
        assertThat(j.at("/verdict/outcome").asText()).as(j.toString()).isEqualTo("passed");
        assertThat(j.at("/result/signed").asBoolean()).isTrue();
        SignedReceipt signed = SignedReceipt.parse("receipt", text("/v1/jobs/" + id + "/receipt"));
        java.security.PublicKey key = NodeKeys.parse("node.pub",
                Files.readString(dir.resolve("agent").resolve(NodeIdentity.PUBLIC_KEY_FILE)));
        assertThat(ReceiptVerifier.verifies(signed.receipt(), signed.signature(), key)).isTrue();
        assertThat(signed.receipt().jobId()).isEqualTo(id);
        assertThat(signed.receipt().imageDigest()).matches("sha256:[0-9a-f]{64}");
        assertThat(signed.receipt().command()).containsExactly("sh", "-c", "echo signed");
        assertThat(signed.receipt().limits().memory()).isEqualTo("64m");
        assertThat(signed.receipt().logsHash()).isEqualTo(ProofHashes.logsHash("signed\n"));
    }

    @Test
    @DisplayName("the receipt states the CPU time, peak memory and output files the engine measured, and verifies")
    void receiptUsageAndOutputs() throws Exception {
        // Spin for one to two seconds of CPU, hold 50 MB in the tmpfs /tmp, and leave one output file.
        String id = submit("a=$(date +%s); while [ $(date +%s) = $a ]; do :; done; "
                + "b=$(date +%s); while [ $(date +%s) = $b ]; do :; done; "
                + "dd if=/dev/zero of=/tmp/fill bs=1M count=50 2>/dev/null; sleep 1; rm /tmp/fill; "
                + "echo result > /job/out/answer.txt", "1.5", "256m");
        await("job completed", () -> "completed".equals(job(id).path("state").asText()));

        SignedReceipt signed = SignedReceipt.parse("receipt", text("/v1/jobs/" + id + "/receipt"));
        java.security.PublicKey key = NodeKeys.parse("node.pub",
                Files.readString(dir.resolve("agent").resolve(NodeIdentity.PUBLIC_KEY_FILE)));
        assertThat(ReceiptVerifier.verifies(signed.receipt(), signed.signature(), key)).isTrue();
        assertThat(signed.receipt().usage().cpuMillis()).isGreaterThan(500L);
        assertThat(signed.receipt().usage().peakMemoryBytes()).isGreaterThan(50L * 1024 * 1024);
        assertThat(signed.receipt().outputs()).containsExactly(new dev.hearth.core.receipt.OutputFile(
                "/job/out/answer.txt", 7, java.util.HexFormat.of().formatHex(java.security.MessageDigest
                        .getInstance("SHA-256").digest("result\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)))));
        assertThat(job(id).at("/verdict/outcome").asText()).isEqualTo("passed");
    }

    private String submit(String script) throws Exception {
        return submit(script, "0.25", "64m");
    }

    private String submit(String script, String cpus, String memory) throws Exception {
        var doc = Json.mapper().createObjectNode().put("cpus", cpus).put("memory", memory);
        doc.set("command", Json.mapper().valueToTree(List.of("sh", "-c", script)));
        String id = api("POST", "/v1/jobs", doc.toString()).get("id").asText();
        submitted.add(id);
        return id;
    }

    private JsonNode job(String id) throws Exception {
        return api("GET", "/v1/jobs/" + id, null);
    }

    private HttpResponse<String> healthz() throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + health.port() + "/healthz")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private String text(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + coordinator.port() + path))
                .header("Authorization", "Bearer " + admin).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private JsonNode api(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + coordinator.port() + path))
                .header("Authorization", "Bearer " + admin).method(method, body == null
                        ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("%s %s: %s", method, path, r.body()).isLessThan(300);
        return Json.mapper().readTree(r.body());
    }

    interface Check {
        boolean holds() throws Exception;
    }

    private static void await(String what, Check check) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!check.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 60 s: " + what);
            }
            Thread.sleep(100);
        }
    }
}
