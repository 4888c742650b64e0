// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.hypernode;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import dev.hearth.agent.node.AgentConfig;
import dev.hearth.core.proof.ProofHashes;
import dev.hearth.core.protocol.GpuReport;
import dev.hearth.core.protocol.HostInfo;
import dev.hearth.sandbox.BuildProgress;
import dev.hearth.sandbox.DockerFixture;
import dev.hearth.sandbox.PoolSettings;
import dev.hearth.sandbox.docker.DockerDriver;
import dev.hearth.sandbox.image.BaseImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hearth's agent in Hypernode v2.0 mode against a v2.0 backend written from the wire protocol reference (Python
 * websockets, {@code hypernode/v2_backend.py}), with jobs run by the real Docker engine.
 */
@Tag("e2e")
@DisplayName("The agent speaking Hypernode v2.0 to a v2.0 backend")
class HypernodeAgentTest {

    /** v2.0 jobs run in Hearth's Python image, which a fresh machine has not built yet (mmdebstrap, cached). */
    @BeforeAll
    static void pythonImage() throws Exception {
        BaseImages.ensurePython(DockerFixture.driver().images(), BuildProgress.silent());
    }

    private static final String TOKEN = "node-token-abc123";
    private static final Duration WAIT = Duration.ofSeconds(20);
    /** The message schemas, one definition for both sides of v2.0 (docs/protocol.md). */
    private static final Path SCHEMAS = Path.of("..", "docs", "protocol", "schemas");

    @TempDir
    Path dir;

    private V2Backend backend;
    private HypernodeAgent agent;
    private final List<String> jobs = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        DockerFixture.driver();
        backend = new V2Backend(dir, TOKEN);
        AgentConfig config = new AgentConfig(List.of(backend.endpoint()), TOKEN, dir.resolve("state"),
                Duration.ofSeconds(1),
                Duration.ofSeconds(30), 10_000, Duration.ofMillis(200), Duration.ofSeconds(1), 2, 0,
                Duration.ofSeconds(5), null, PoolSettings.NONE, AgentConfig.DEFAULT_RUNTIMES, false);
        HostInfo host = new HostInfo("h1", "Linux", "6.1.0", "x86_64", 2, 8L << 30, List.of("docker"),
                List.of(new GpuReport(0, "NVIDIA H100 80GB HBM3", "81559 MiB", "80000 MiB", "0%", "GPU-5d1c")),
                "24.0.7", "hearth-test");
        agent = new HypernodeAgent(config, backend.endpoint(), DockerDriver.connect(), host, InstantSource.system(),
                Duration.ofSeconds(5));
        agent.start();
    }

    @AfterEach
    void stop() throws Exception {
        agent.close();
        backend.close();
        java.util.Map<String, JsonSchema> schemas = new java.util.HashMap<>();
        for (JsonNode e : backend.seen()) {
            if ("recv".equals(e.path("event").asText())) {
                JsonNode msg = e.get("msg");
                JsonSchema schema = schemas.computeIfAbsent(msg.path("type").asText(), type -> {
                    try {
                        return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                                .getSchema(Files.readString(SCHEMAS.resolve(type + ".schema.json")));
                    } catch (java.io.IOException ex) {
                        throw new java.io.UncheckedIOException(ex);
                    }
                });
                assertThat(schema.validate(msg)).as("the agent's %s fits docs/protocol/schemas", msg).isEmpty();
            }
        }
        List<String> left = jobs.isEmpty() ? List.of() : DockerFixture.hearthContainers();
        for (String id : jobs) {
            assertThat(left).as("containers of job %s left", id).noneMatch(n -> n.contains(id));
        }
    }

    @Test
    @DisplayName("registers first with its token and v2.0's hostInfo only, then heartbeats every interval with its "
            + "node id and a zoned timestamp, never before registered")
    void registersAndHeartbeats() throws Exception {
        JsonNode register = backend.received("register", 0, WAIT).get("msg");
        assertThat(names(register)).containsExactlyInAnyOrder("type", "token", "hostInfo");
        assertThat(register.get("token").asText()).isEqualTo(TOKEN);
        JsonNode host = register.get("hostInfo");
        assertThat(names(host)).containsExactlyInAnyOrder("hostname", "os", "os_version", "arch", "gpus",
                "docker_version", "agent_version");
        assertThat(names(host.get("gpus").get(0))).containsExactlyInAnyOrder("index", "model", "vram_total",
                "vram_free", "utilization");
        assertThat(host.get("gpus").get(0).get("vram_total").asText()).isEqualTo("81559 MiB");

        List<Double> times = new ArrayList<>();
        int at = backend.awaitIndex(e -> V2Backend.isMessage(e, "register"), 0, WAIT);
        for (int i = 0; i < 4; i++) {
            at = backend.awaitIndex(e -> V2Backend.isMessage(e, "heartbeat"), at + 1, WAIT);
            JsonNode e = backend.seen().get(at);
            JsonNode beat = e.get("msg");
            assertThat(beat.get("nodeId").asText()).isEqualTo("node-1");
            assertThat(Instant.parse(beat.get("timestamp").asText())).isNotNull(); // ISO-8601 with its zone
            assertThat(names(beat.get("stats"))).contains("jobs_completed", "jobs_failed", "total_uptime",
                    "active_jobs", "gpus");
            assertThat(names(beat)).doesNotContain("state", "free");
            times.add(e.get("t").asDouble());
        }
        // loose bounds (a loaded machine delays a beat; the next one keeps the schedule), yet far from a burst or
        // the 10 s default
        for (int i = 1; i < times.size(); i++) {
            assertThat(times.get(i) - times.get(i - 1)).as("gap between heartbeats %d and %d", i - 1, i)
                    .isBetween(0.3, 2.5);
        }
        assertThat((times.getLast() - times.getFirst()) / (times.size() - 1)).as("mean gap").isBetween(0.8, 1.4);
        int pinged = backend.mark();
        backend.send(V2Backend.object().put("type", "ping"));
        assertThat(backend.received("pong", pinged, WAIT).get("msg")).isEqualTo(V2Backend.object().put("type", "pong"));
        assertThat(backend.seen()).as("the backend never had to refuse a message")
                .noneMatch(e -> V2Backend.isMessage(e, "error"));
    }

    @Test
    @DisplayName("runs a v2.0 job in a Hearth sandbox (no network, non-root, read-only root) and answers a job_result "
            + "whose hashes recompute from what it carries")
    void runsAJob() throws Exception {
        backend.received("register", 0, WAIT);
        backend.received("heartbeat", 0, WAIT); // registered
        int from = backend.mark();
        jobs.add("v2-job-1");
        backend.send(job("v2-job-1", """
                import os
                print("interfaces:", sorted(os.listdir("/sys/class/net")))
                print("uid:", os.getuid())
                try:
                    open("/usr/planted", "w")
                    print("root writable")
                except OSError:
                    print("root read-only")
                print("hello done")
                """));
        JsonNode result = backend.received("job_result", from, WAIT).get("msg");
        assertThat(result.get("id").asText()).isEqualTo("v2-job-1");
        assertThat(result.get("nodeId").asText()).isEqualTo("node-1");
        assertThat(result.get("status").asText()).isEqualTo("completed");
        assertThat(result.get("success").asBoolean()).isTrue();
        assertThat(result.get("exitCode").asLong()).isZero();
        String logs = result.get("logs").asText();
        assertThat(logs).isEqualTo("interfaces: ['lo']\nuid: 65534\nroot read-only\nhello done\n");
        assertThat(result.get("logsHash").asText()).isEqualTo(ProofHashes.logsHash(logs));
        assertThat(result.get("executionHash").asText()).isEqualTo(ProofHashes.executionHash("v2-job-1", logs, 0,
                "completed", result.get("timestamp").asText()));
        assertThat(result.get("completedAt").asLong()).isPositive();
        assertThat(result.has("epoch")).isFalse();
        assertThat(result.has("receipt")).isFalse();
    }

    @Test
    @DisplayName("refuses a job it cannot honour, a malformed one and an oversized one with v2.0's error form "
            + "naming why, and still runs the next job")
    void refusesWhatItCannotHonour() throws Exception {
        backend.received("register", 0, WAIT);
        backend.received("heartbeat", 0, WAIT);
        ObjectNode pip = job("v2-pip", "print(1)");
        pip.put("requirements", "numpy");
        assertRefused(pip, "v2-pip", "job.requirements");
        ObjectNode memory = job("v2-mem", "print(1)");
        memory.put("memoryLimit", "lots");
        assertRefused(memory, "v2-mem", "job.memoryLimit");
        assertRefused(job("v2-empty", " "), "v2-empty", "job.script");
        ObjectNode shape = job("v2-shape", "print(1)");
        shape.put("cpuLimit", "two"); // not a number: the frame does not fit v2.0's job shape
        assertRefused(shape, "v2-shape", "cpuLimit");
        ObjectNode gpu = job("v2-gpu", "print(1)");
        gpu.put("gpuRequired", true);
        gpu.put("datasets", "s3://bucket/set");
        assertRefused(gpu, "v2-gpu", "job.datasets");

        int from = backend.mark();
        backend.command(V2Backend.object().put("cmd", "send_big_job").put("id", "v2-big").put("chars", 5_000_000));
        JsonNode big = backend.received("job_result", from, WAIT).get("msg");
        assertThat(big.get("id").asText()).isEqualTo("v2-big");
        assertThat(big.get("status").asText()).isEqualTo("error");
        assertThat(big.get("logs").asText()).contains("longer than the cap of " + (4 << 20));

        from = backend.mark();
        jobs.add("v2-after");
        backend.send(job("v2-after", "print('still here, done')"));
        JsonNode after = backend.received("job_result", from, WAIT).get("msg");
        assertThat(after.get("id").asText()).isEqualTo("v2-after");
        assertThat(after.get("status").asText()).isEqualTo("completed");
        assertThat(backend.seen()).as("one connection throughout")
                .filteredOn(e -> "connected".equals(e.path("event").asText())).hasSize(1);
    }

    private void assertRefused(ObjectNode job, String id, String field) throws Exception {
        int from = backend.mark();
        backend.send(job);
        JsonNode result = backend.received("job_result", from, WAIT).get("msg");
        assertThat(result.get("id").asText()).isEqualTo(id);
        assertThat(result.get("status").asText()).isEqualTo("error");
        assertThat(result.get("success").asBoolean()).isFalse();
        assertThat(result.get("exitCode").asLong()).isEqualTo(-1);
        assertThat(result.get("logs").asText()).contains(field);
        assertThat(result.has("executionHash")).isFalse();
        assertThat(result.has("completedAt")).isFalse();
        jobs.add(id); // no container of it left: checked after the test
    }

    @Test
    @DisplayName("after the connection is cut it reconnects, registers again and heartbeats under the same node id")
    void reconnectsAfterADroppedConnection() throws Exception {
        backend.received("heartbeat", 0, WAIT);
        int from = backend.mark();
        backend.command(V2Backend.object().put("cmd", "drop"));
        backend.await(e -> "closed".equals(e.path("event").asText()), from, WAIT);
        int reRegistered = backend.awaitIndex(e -> V2Backend.isMessage(e, "register"), from, WAIT);
        assertThat(backend.seen().get(reRegistered).get("msg").get("token").asText()).isEqualTo(TOKEN);
        JsonNode beat = backend.received("heartbeat", reRegistered, WAIT).get("msg");
        assertThat(beat.get("nodeId").asText()).isEqualTo("node-1");
        assertThat(agent.reconnects()).isEqualTo(1);
        assertThat(backend.seen()).filteredOn(e -> "connected".equals(e.path("event").asText())).hasSize(2);
    }

    @Test
    @DisplayName("a backend that never registers the node (it refuses the token) is dropped after the registration "
            + "deadline and dialled again after a backoff, with no heartbeat sent meanwhile")
    void unregisteredConnectionIsDropped() throws Exception {
        AgentConfig config = new AgentConfig(List.of(backend.endpoint()), "not-a-known-token", dir.resolve("other"),
                Duration.ofSeconds(1), Duration.ofSeconds(30), 10_000, Duration.ofMillis(200), Duration.ofSeconds(1),
                1, 0, Duration.ofSeconds(5), null, PoolSettings.NONE, AgentConfig.DEFAULT_RUNTIMES, false);
        HostInfo host = new HostInfo("h2", "Linux", "6.1.0", "x86_64", 2, 8L << 30, List.of(), List.of(), "24.0.7",
                "hearth-test");
        backend.received("heartbeat", 0, WAIT); // the test's own agent is in
        int from = backend.mark();
        try (HypernodeAgent refused = new HypernodeAgent(config, backend.endpoint(), DockerDriver.connect(), host,
                InstantSource.system(), Duration.ofSeconds(1))) {
            refused.start();
            int first = backend.awaitIndex(e -> V2Backend.isMessage(e, "register")
                    && "not-a-known-token".equals(e.get("msg").path("token").asText()), from, WAIT);
            int again = backend.awaitIndex(e -> V2Backend.isMessage(e, "register")
                    && "not-a-known-token".equals(e.get("msg").path("token").asText()), first + 1, WAIT);
            double waited = backend.seen().get(again).get("t").asDouble() - backend.seen().get(first).get("t")
                    .asDouble();
            assertThat(waited).as("seconds between the two registers: the deadline, then the backoff")
                    .isBetween(1.0, 3.0);
            assertThat(refused.registered()).isFalse();
            assertThat(refused.reconnects()).isPositive();
        }
        assertThat(backend.seen().subList(from, backend.mark())).as("no heartbeat from the refused node")
                .noneMatch(e -> V2Backend.isMessage(e, "heartbeat") && !e.get("msg").path("nodeId").asText()
                        .equals("node-1"));
    }

    @Test
    @DisplayName("a result the backend never read (it stopped reading, then the connection was cut) is sent again "
            + "after the agent registers again, since the backend never answered the ping behind it")
    void unreadResultIsSentAgain() throws Exception {
        backend.received("heartbeat", 0, WAIT);
        jobs.add("v2-unread");
        backend.send(job("v2-unread", "import time\ntime.sleep(1)\nprint('done, unread')"));
        backend.await(e -> V2Backend.isMessage(e, "heartbeat")
                && e.get("msg").path("stats").path("active_jobs").asInt() == 1, 0, WAIT);
        backend.command(V2Backend.object().put("cmd", "stall"));
        awaitNoJobRunning(); // the job ends and its result goes into the stalled connection
        Thread.sleep(300); // and its result and ping are written before the cut
        int cut = backend.mark();
        backend.command(V2Backend.object().put("cmd", "drop"));
        int back = backend.awaitIndex(e -> V2Backend.isMessage(e, "register"), cut, WAIT);
        JsonNode result = backend.received("job_result", back, WAIT).get("msg");
        assertThat(result.get("id").asText()).isEqualTo("v2-unread");
        assertThat(result.get("nodeId").asText()).isEqualTo("node-1");
        assertThat(result.get("logs").asText()).isEqualTo("done, unread\n");
        assertThat(backend.seen()).as("the result was read once, on the new connection")
                .filteredOn(e -> V2Backend.isMessage(e, "job_result")).hasSize(1);
    }

    @Test
    @DisplayName("job_cancel stops the job and removes its container, and no result is sent for it")
    void cancelStopsTheJob() throws Exception {
        backend.received("heartbeat", 0, WAIT);
        jobs.add("v2-cancel");
        backend.send(job("v2-cancel", "import time\ntime.sleep(60)"));
        backend.await(e -> V2Backend.isMessage(e, "heartbeat")
                && e.get("msg").path("stats").path("active_jobs").asInt() == 1, 0, WAIT);
        backend.send(V2Backend.object().put("type", "job_cancel").put("jobId", "v2-cancel"));
        awaitNoJobRunning();
        int after = backend.awaitIndex(e -> V2Backend.isMessage(e, "heartbeat")
                && e.get("msg").path("stats").path("active_jobs").asInt() == 0, 0, WAIT);
        backend.awaitIndex(e -> V2Backend.isMessage(e, "heartbeat"), after + 1, WAIT); // a beat later still none
        assertThat(backend.seen()).noneMatch(e -> V2Backend.isMessage(e, "job_result"));
    }

    private void awaitNoJobRunning() throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (agent.runningJobs() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(agent.runningJobs()).as("jobs running after %s", WAIT).isZero();
    }

    private static ObjectNode job(String id, String script) {
        ObjectNode job = V2Backend.object().put("type", "job").put("id", id).put("requirements", "")
                .put("gpuRequired", false).put("memoryLimit", "256m").put("cpuLimit", 1.0).put("script", script)
                .put("estimatedTime", 60);
        job.putNull("datasets");
        return job;
    }

    private static Set<String> names(JsonNode node) {
        return Set.copyOf(StreamSupport.stream(((Iterable<String>) node::fieldNames).spliterator(), false).toList());
    }
}
