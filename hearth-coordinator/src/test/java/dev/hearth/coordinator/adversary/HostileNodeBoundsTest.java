// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.adversary;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.coordinator.CoordinatorConfig;
import dev.hearth.coordinator.ResultFrames;
import dev.hearth.coordinator.ScriptedAgent;
import dev.hearth.coordinator.oracle.OracleSettings;
import dev.hearth.coordinator.scheduler.LeasePolicy;
import dev.hearth.coordinator.store.NodeLimits;
import java.lang.management.ManagementFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A hostile node (or a hostile job on an honest node) tries to make the coordinator hold unbounded state or knock
 * itself off with a result: oversize results, progress and live-log floods; and unauthenticated scrapes must read no
 * job rows, final jobs must forget their secrets. Each scenario measures what it bounds and ends with
 * {@link AdversaryChecks#after}. Every job is priced, so the ledger's holds are exercised.
 */
@DisplayName("A hostile node cannot make the coordinator hold unbounded state, nor knock itself off with a result")
class HostileNodeBoundsTest extends AdversaryScenario {

    private static final int FRAME_CAP = 64 * 1024;

    @BeforeEach
    void start() throws Exception {
        // up to 64 slots per node (the default clamp is 16): the live-log flood needs 40 jobs on one node
        coordinator = AdversaryCoordinator.start(new CoordinatorConfig("127.0.0.1", 0, data, Duration.ofSeconds(1),
                Duration.ofSeconds(30), FRAME_CAP, Duration.ofMillis(100)).withLeases(new LeasePolicy(
                        LeasePolicy.DEFAULTS.grace(), NodeLimits.DEFAULT.withSlots(64), Map.of(), 3)),
                OracleSettings.DEFAULTS);
    }

    private JsonNode api(String method, String path, String body) throws Exception {
        return coordinator.api(method, path, body);
    }

    /** Submits a priced job running {@code command}; returns its id. */
    private String submit(String command) throws Exception {
        return api("POST", "/v1/jobs", "{\"command\":[" + command + "],\"cpus\":\"1\",\"memory\":\"64m\","
                + "\"price\":\"1\"}").get("id").asText();
    }

    /** Cancels the jobs not yet final, so the after-checks find every job final. */
    private void cancelUnfinished(List<String> ids) throws Exception {
        for (String id : ids) {
            coordinator.call("POST", "/v1/jobs/" + id + "/cancel", null); // 409 when already final
        }
    }

    /** A registered Hearth node on a raw socket, and the id the coordinator gave it. */
    private record Node(ScriptedAgent agent, String id, KeyPair key, String token) {
    }

    private Node register() throws Exception {
        return register(1);
    }

    private Node register(int slots) throws Exception {
        String token = coordinator.token();
        KeyPair key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        ScriptedAgent agent = new ScriptedAgent(coordinator.port());
        agent.send(ResultFrames.hearthRegister(token, key, agent.expect("hello").get("nonce").asText(), slots,
                slots * 2));
        return new Node(agent, agent.expect("registered").get("nodeId").asText(), key, token);
    }

    /** A heartbeat, and its ack: every message sent before it has been handled. */
    private static void settle(Node node) throws Exception {
        node.agent().send("{\"type\":\"heartbeat\",\"nodeId\":\"" + node.id()
                + "\",\"timestamp\":\"2026-12-06T10:00:00Z\",\"state\":\"online\"}");
        node.agent().expect("ack");
    }

    /** Heap in use after collecting, in MiB. */
    private static long heapMib() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20;
    }

    @Test
    @DisplayName("instance_progress floods keep the newest 32 short steps and count the rest; the heap stays bounded")
    void progressFlood() throws Exception {
        Node node = register(0);
        try (ScriptedAgent agent = node.agent()) {
            JsonNode pending = api("POST", "/v1/nodes/" + node.id() + "/instances?wait=0",
                    "{\"id\":\"bot-1\",\"telegramToken\":\"123456:ABC-def\",\"telegramUsers\":\"42\"}");
            String request = agent.expect("instance_create").get("requestId").asText();
            assertThat(request).isEqualTo(pending.get("requestId").asText());
            long before = heapMib();
            String padding = "s".repeat(FRAME_CAP - 200);
            for (int i = 0; i < 400; i++) {
                agent.send("{\"type\":\"instance_progress\",\"requestId\":\"" + request + "\",\"step\":\"" + i
                        + padding + "\"}");
            }
            settle(node);
            long grown = heapMib() - before;
            JsonNode seen = api("GET", "/v1/instances/requests/" + request, null);
            assertThat(seen.get("steps")).hasSize(32);
            assertThat(seen.at("/steps/31/step").asText()).startsWith("399s").hasSize(128);
            assertThat(seen.get("droppedSteps").asLong()).isEqualTo(400 - 32);
            assertThat(grown).as("heap grown by %d MiB for %d MiB sent", grown, 400L * FRAME_CAP >> 20)
                    .isLessThan(15);
        }
        AdversaryChecks.after(coordinator, Set.of(node.id()));
    }

    @Test
    @DisplayName("full logs of 40 jobs flooded with 1 MiB each go to disk, not the heap; logs of leases taken back go")
    void liveLogFlood() throws Exception {
        int jobs = 40;
        Node node = register(jobs);
        try (ScriptedAgent agent = node.agent()) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < jobs; i++) {
                ids.add(submit("\"hang\""));
            }
            Map<String, Long> epochs = new HashMap<>();
            for (int i = 0; i < jobs; i++) {
                JsonNode offer = agent.expect("job");
                epochs.put(offer.get("id").asText(), offer.get("epoch").asLong());
            }
            assertThat(epochs.keySet()).containsExactlyInAnyOrderElementsOf(ids);
            long before = heapMib();
            int perJob = 1 << 20;
            int chunk = FRAME_CAP - 256;
            String text = "L".repeat(chunk);
            for (String id : ids) {
                agent.send("{\"type\":\"job_started\",\"jobId\":\"" + id + "\",\"epoch\":" + epochs.get(id) + "}");
                for (long offset = 0; offset < perJob; offset += chunk) {
                    agent.send("{\"type\":\"job_log\",\"jobId\":\"" + id + "\",\"epoch\":" + epochs.get(id)
                            + ",\"offset\":" + offset + ",\"data\":\"" + text + "\"}");
                }
                settle(node);
            }
            long grown = heapMib() - before;
            assertThat(grown).as("heap grown by %d MiB for %d MiB of logs", grown, (long) jobs * perJob >> 20)
                    .isLessThan(26);
            String last = ids.getLast();
            int sent = (perJob + chunk - 1) / chunk * chunk;
            assertThat(logs(last)).hasSize(sent);
            assertThat(logs(ids.getFirst())).as("the first job's log is whole too: it is on disk").hasSize(sent);

            // the node comes back holding none of them: their leases are taken back, and their live text goes
            try (ScriptedAgent again = new ScriptedAgent(coordinator.port())) {
                again.send(ResultFrames.hearthRegister(node.token(), node.key(),
                        again.expect("hello").get("nonce").asText(), 0));
                again.expect("registered");
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                // the job is requeued first, then its live text forgotten: wait for both
                while (!"queued".equals(api("GET", "/v1/jobs/" + last, null).get("state").asText())
                        || !logs(last).isEmpty()) {
                    assertThat(System.nanoTime()).as("leases taken back and their live text gone within 10 s")
                            .isLessThan(deadline);
                    Thread.sleep(100);
                }
            }
            cancelUnfinished(ids);
        }
        AdversaryChecks.after(coordinator, Set.of(node.id()));
    }

    private String logs(String id) throws Exception {
        return coordinator.call("GET", "/v1/jobs/" + id + "/logs", null).body();
    }

    @Test
    @DisplayName("a job_result over the frame cap gets result_too_large naming the job; the next result is accepted")
    void oversizeResultIsAnswered() throws Exception {
        Node node = register();
        try (ScriptedAgent agent = node.agent()) {
            String first = submit("\"echo\",\"big\"");
            JsonNode offer = agent.expect("job");
            assertThat(offer.get("id").asText()).isEqualTo(first);
            String huge = ResultFrames.frame(ResultFrames.honest(offer, node.id(), node.key(),
                    "x".repeat(FRAME_CAP * 2), 0));
            agent.sendFragments(huge, 16 * 1024);
            JsonNode ack = agent.expect("result_ack");
            assertThat(ack.get("jobId").asText()).isEqualTo(first);
            assertThat(ack.get("epoch").asLong()).isEqualTo(offer.get("epoch").asLong());
            assertThat(ack.get("accepted").asBoolean()).isFalse();
            assertThat(ack.get("code").asText()).isEqualTo("result_too_large");
            assertThat(agent.isClosed()).isFalse();
            assertThat(api("GET", "/v1/jobs/" + first, null).get("state").asText()).as("the lease ended")
                    .isIn("failed", "queued");

            cancelUnfinished(List.of(first)); // when requeued: its oversize result must not be offered again
            String second = submit("\"echo\",\"small\"");
            JsonNode next = agent.expect("job");
            assertThat(next.get("id").asText()).isEqualTo(second);
            agent.sendFragments(ResultFrames.frame(ResultFrames.honest(next, node.id(), node.key(), "small\n", 0)),
                    16 * 1024);
            JsonNode ok = agent.expect("result_ack");
            assertThat(ok.get("jobId").asText()).isEqualTo(second);
            assertThat(ok.get("accepted").asBoolean()).as(ok.toString()).isTrue();
            coordinator.awaitJob(second, "completed");
            assertThat(coordinator.job(first).path("payment").asText()).as("the oversize result is not paid")
                    .isEqualTo("refunded");
        }
        // its second result was honest and is paid: only the oversize one must not be (checked above)
        AdversaryChecks.after(coordinator, Set.of());
    }

    @Test
    @DisplayName("/metrics and /healthz read no job row: they answer with the spec column gone from the database")
    void scrapesReadNoSpecs() throws Exception {
        List<String> queued = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            queued.add(submit("\"echo\",\"" + i + "\""));
        }
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("hearth.db"));
                Statement s = db.createStatement()) {
            s.execute("PRAGMA busy_timeout = 5000");
            s.execute("ALTER TABLE jobs RENAME COLUMN spec_json TO spec_json_hidden");
        }
        var metrics = coordinator.call("GET", "/metrics", null);
        assertThat(metrics.body()).contains("hearth_jobs{state=\"queued\"} 3.0");
        var health = coordinator.call("GET", "/healthz", null);
        assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("hearth.db"));
                Statement s = db.createStatement()) {
            s.execute("PRAGMA busy_timeout = 5000");
            s.execute("ALTER TABLE jobs RENAME COLUMN spec_json_hidden TO spec_json");
        }
        cancelUnfinished(queued);
        AdversaryChecks.after(coordinator, Set.of());
    }

    @Test
    @DisplayName("a final job's stored spec keeps its secrets' names, not their values; a retried job still got them")
    void finalJobsForgetSecrets() throws Exception {
        String secret = "s3cr3t-" + System.nanoTime();
        Node node = register();
        String id;
        try (ScriptedAgent agent = node.agent()) {
            id = api("POST", "/v1/jobs", "{\"command\":[\"echo\",\"x\"],\"retries\":2,\"price\":\"1\","
                    + "\"secrets\":{\"API_KEY\":\"" + secret + "\"}}").get("id").asText();
            JsonNode offer = agent.expect("job");
            assertThat(offer.at("/spec/secrets/API_KEY").asText()).isEqualTo(secret);
        }
        // the node comes back without the job: it is taken back and requeued, secrets and all
        try (ScriptedAgent again = new ScriptedAgent(coordinator.port())) {
            again.send(ResultFrames.hearthRegister(node.token(), node.key(), again.expect("hello").get("nonce").asText(),
                    1));
            again.expect("registered");
            JsonNode retry = again.expect("job");
            assertThat(retry.get("id").asText()).isEqualTo(id);
            assertThat(retry.get("epoch").asLong()).isGreaterThan(1);
            assertThat(retry.at("/spec/secrets/API_KEY").asText()).as("a retried job runs with its secret")
                    .isEqualTo(secret);
            assertThat(storedSpec(id)).contains(secret);
            again.send(ResultFrames.frame(ResultFrames.honest(retry, node.id(), node.key(), "x\n", 0)));
            assertThat(again.expect("result_ack").get("accepted").asBoolean()).isTrue();
        }
        coordinator.awaitJob(id, "completed");
        assertThat(storedSpec(id)).contains("API_KEY").doesNotContain(secret);
        AdversaryChecks.after(coordinator, Set.of());
    }

    /** The job's spec as the SQLite file holds it, read past the coordinator. */
    private String storedSpec(String id) throws Exception {
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + data.resolve("hearth.db"));
                var s = db.prepareStatement("SELECT spec_json FROM jobs WHERE id = ?")) {
            s.setString(1, id);
            try (var rs = s.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getString(1);
            }
        }
    }
}
