// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.coordinator.AdminToken;
import dev.hearth.coordinator.ledger.CoordinatorKey;
import dev.hearth.coordinator.store.PostgresCluster;
import dev.hearth.core.json.Json;
import dev.hearth.core.proof.ProofHashes;
import dev.hearth.sandbox.DockerFixture;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two coordinators as real `hearth` processes on one PostgreSQL database, three agents with both endpoints in
 * different orders running jobs in real Docker containers; one coordinator is killed with SIGKILL mid-run and the
 * other must finish everything, each job once and paid once.
 */
@Tag("e2e")
@DisplayName("Two coordinators on one PostgreSQL and three agents: a coordinator killed -9 mid-run loses nothing")
class MultiCoordinatorE2eTest {

    private static final int JOBS = 300;
    private static final long PRICE_MICROS = 10_000; // 0.01 credits a job
    private static final long DEPOSIT_MICROS = 10_000_000;

    @TempDir
    Path root;

    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void images() throws Exception {
        DockerFixture.driver();
    }

    @Test
    @DisplayName("300 jobs submitted alternately to A and B, A killed -9 a third of the way: every job completes "
            + "once, A's agents move to B, the ledger adds up and no hold settles twice")
    void coordinatorKilledMidRun() throws Exception {
        long start = System.nanoTime();
        PostgresCluster pg = PostgresCluster.shared();
        Map<String, String> password = Map.of("HEARTH_DB_PASSWORD", pg.password());
        // a lease whose offer died with A is taken back soon, not after the default five minutes
        String[] db = {"--db", pg.location(pg.freshDatabase()).toString(), "--lease-grace", "10s"};
        Map<String, String> submittedTo = new LinkedHashMap<>(); // job id to "A" or "B"
        Files.createDirectories(root.resolve("a"));
        Files.createDirectories(root.resolve("b"));
        try (Cluster b = new Cluster(root.resolve("b")).logsAs("multi-b");
                Cluster a = new Cluster(root.resolve("a")).logsAs("multi-a")) {
            try {
                a.startCoordinator(password, db);
                shareSecrets(a.data(), b.data());
                b.startCoordinator(password, db);
                assertThat(b.admin()).as("B reads A's admin token").isEqualTo(a.admin());
                String ab = a.endpoint() + "," + b.endpoint();
                String ba = b.endpoint() + "," + a.endpoint();
                List<Cluster.Agent> agents = new ArrayList<>();
                // one after another: the first supervises HEARTH_HOME's instances and the next see that it does
                // (started together, two may both try to, and the one that loses the lock exits)
                for (String[] agent : new String[][] {{"1", ab, "A"}, {"2", ba, "B"}, {"3", ab, "A"}}) {
                    Cluster.Agent started = a.startAgent(agent[0], agent[1]);
                    String first = agent[2].equals("A") ? a.endpoint() : b.endpoint();
                    Cluster.await("agent " + agent[0] + " registered with " + agent[2], Duration.ofSeconds(60),
                            () -> on(started, first));
                    agents.add(started);
                }
                double ready = seconds(start);
                b.api("POST", "/v1/ledger/deposits", "{\"account\":\"client:default\",\"amount\":\""
                        + DEPOSIT_MICROS / 1_000_000 + "\"}");
                for (int i = 0; i < JOBS; i++) {
                    Cluster to = i % 2 == 0 ? a : b;
                    submittedTo.put(submit(to, i), to == a ? "A" : "B");
                }
                double submitted = seconds(start);
                Cluster.await("a third of the jobs completed", Duration.ofMinutes(3),
                        () -> completed(b) >= JOBS / 3);
                int atKill = completed(b);
                int queuedAtKill = b.api("GET", "/v1/jobs?state=queued&limit=500", null).path("jobs").size();
                a.killCoordinator();
                double killed = seconds(start);

                Cluster.await("agents 1 and 3 registered with B", Duration.ofSeconds(60),
                        () -> on(agents.get(0), b.endpoint()) && on(agents.get(2), b.endpoint()));
                Map<String, JsonNode> jobs = awaitAllCompleted(b, submittedTo, Duration.ofMinutes(2),
                        Duration.ofMinutes(10));
                double done = seconds(start);

                int leasedTwice = checkJobs(jobs);
                checkNodesOn(b, agents);
                checkLedger(b, jobs);
                System.out.printf("MultiCoordinatorE2eTest: coordinators and agents up at %.1f s; %d jobs submitted "
                        + "by %.1f s; A killed at %.1f s with %d completed and %d queued; all completed at %.1f s (%d leased twice); "
                        + "per node %s; checked at %.1f s%n", ready, JOBS, submitted, killed, atKill, queuedAtKill, done, leasedTwice,
                        perNode(jobs), seconds(start));
            } finally {
                System.out.printf("MultiCoordinatorE2eTest: stopping after %.1f s; logs in target/e2e-logs/multi-*%n",
                        seconds(start));
            }
            assertThat(containersOf(submittedTo.keySet())).as("containers of these jobs left after the agents "
                    + "stopped").isEmpty();
        } finally {
            removeContainers(submittedTo.keySet());
        }
    }

    /** B gets A's admin token and coordinator key, as operators sharing one database are told to do. */
    private static void shareSecrets(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path f : files.filter(f -> f.getFileName().toString().equals(AdminToken.FILE)
                    || f.getFileName().toString().startsWith(CoordinatorKey.FILE)).toList()) {
                Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
        assertThat(to.resolve(AdminToken.FILE)).exists();
        assertThat(to.resolve(CoordinatorKey.FILE)).exists();
    }

    private static String submit(Cluster c, int n) throws Exception {
        var doc = Json.mapper().createObjectNode().put("cpus", "0.25").put("memory", "64m").put("timeout", "60s")
                .put("price", "0.01");
        doc.set("command", Json.mapper().valueToTree(List.of("sh", "-c", "echo job " + n)));
        return c.api("POST", "/v1/jobs", doc.toString()).get("id").asText();
    }

    /** The agent's /healthz, from the port it wrote into its state folder. */
    private JsonNode health(Cluster.Agent agent) throws Exception {
        Path portFile = agent.state.resolve("health.port");
        if (!Files.exists(portFile)) {
            return Json.mapper().createObjectNode();
        }
        String port = Files.readString(portFile).strip();
        try {
            return Json.mapper().readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/healthz")).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body());
        } catch (IOException notYet) {
            return Json.mapper().createObjectNode();
        }
    }

    /** Whether the agent is registered with the coordinator at {@code endpoint}. */
    private boolean on(Cluster.Agent agent, String endpoint) throws Exception {
        JsonNode h = health(agent);
        return h.path("registered").asBoolean() && h.path("coordinator").asText().startsWith(endpoint);
    }

    private static int completed(Cluster c) throws Exception {
        return c.api("GET", "/v1/jobs?state=completed&limit=500", null).path("jobs").size();
    }

    /**
     * Every job, once all completed; fails, with how many are in which state and where they were sent, when no job
     * completed for {@code stall} (work stuck: a lost lease, a dead node kept) or all took over {@code cap}. A stall
     * rather than one deadline: on a loaded 2-core machine (CI runs a TCG guest beside this) a job that only echoes
     * takes 3 to 7 s in its container, and the rest after A's kill took over 3 minutes while moving steadily.
     */
    private static Map<String, JsonNode> awaitAllCompleted(Cluster b, Map<String, String> submittedTo,
            Duration stall, Duration cap) throws Exception {
        long deadline = System.nanoTime() + cap.toNanos();
        long progressAt = System.nanoTime();
        long lastDone = -1;
        while (true) {
            Map<String, JsonNode> jobs = new HashMap<>();
            b.api("GET", "/v1/jobs?limit=500", null).path("jobs").forEach(j -> jobs.put(j.path("id").asText(), j));
            assertThat(jobs.keySet()).as("the jobs B lists").containsExactlyInAnyOrderElementsOf(submittedTo.keySet());
            Map<String, Long> notDone = jobs.values().stream()
                    .filter(j -> !"completed".equals(j.path("state").asText()))
                    .collect(Collectors.groupingBy(j -> j.path("state").asText() + " (submitted to "
                            + submittedTo.get(j.path("id").asText()) + ")", TreeMap::new, Collectors.counting()));
            if (notDone.isEmpty()) {
                return jobs;
            }
            long done = jobs.size() - notDone.values().stream().mapToLong(Long::longValue).sum();
            if (done > lastDone) {
                lastDone = done;
                progressAt = System.nanoTime();
            }
            if (System.nanoTime() - progressAt > stall.toNanos() || System.nanoTime() > deadline) {
                throw new AssertionError("after A's kill, not every job completed (" + done + " did; none for "
                        + (System.nanoTime() - progressAt) / 1_000_000_000 + " s, cap " + cap.toSeconds()
                        + " s); still not completed: " + notDone);
            }
            Thread.sleep(1000);
        }
    }

    /**
     * Each job completed by one accepted result, of its current lease, whose logs hash is that of its own output;
     * leased at most twice (a lease granted by A whose offer died with it is taken back once). Returns how many
     * were leased twice.
     */
    private static int checkJobs(Map<String, JsonNode> jobs) throws Exception {
        int twice = 0;
        for (JsonNode j : jobs.values()) {
            JsonNode r = j.path("result");
            assertThat(r.path("status").asText()).as("job %s", j).isEqualTo("completed");
            assertThat(r.path("hashesHold").asBoolean()).as("job %s", j).isTrue();
            assertThat(r.path("epoch").asLong()).as("the result is of the job's current lease: %s", j)
                    .isEqualTo(j.path("epoch").asLong());
            assertThat(j.path("epoch").asLong()).as("leased once, or twice at most: %s", j).isBetween(1L, 2L);
            assertThat(j.path("payment").asText()).as("job %s", j).isEqualTo("released");
            twice += j.path("epoch").asLong() == 2 ? 1 : 0;
        }
        List<String> hashes = jobs.values().stream().map(j -> j.path("result").path("logsHash").asText()).toList();
        List<String> expected = new ArrayList<>();
        for (int n = 0; n < JOBS; n++) {
            expected.add(ProofHashes.logsHash("job " + n + "\n"));
        }
        assertThat(hashes).as("each job's output, once").containsExactlyInAnyOrderElementsOf(expected);
        return twice;
    }

    /** All three nodes online and connected to B, which each agent's /healthz names. */
    private void checkNodesOn(Cluster b, List<Cluster.Agent> agents) throws Exception {
        for (Cluster.Agent agent : agents) {
            assertThat(on(agent, b.endpoint())).as("agent %s on B: %s", agent.name, health(agent)).isTrue();
        }
        b.awaitNodes("three nodes online and connected to B", n -> n.size() == 3 && n.stream().allMatch(
                x -> "online".equals(x.path("state").asText()) && x.path("connected").asBoolean()));
    }

    /**
     * The books balance, escrow is empty once every hold settled, the client paid exactly the 300 prices and the
     * nodes earned exactly them, and each job's hold was taken once and released once (never refunded).
     */
    private static void checkLedger(Cluster b, Map<String, JsonNode> jobs) throws Exception {
        Cluster.await("every hold settled (escrow empty)", Duration.ofSeconds(60),
                () -> balances(b).getOrDefault("escrow", 0L) == 0);
        JsonNode accounts = b.api("GET", "/v1/ledger/accounts?limit=500", null);
        assertThat(accounts.path("totalMicros").asLong()).as("sum of all accounts").isZero();
        Map<String, Long> balances = balances(b);
        long paid = JOBS * PRICE_MICROS;
        assertThat(balances.get("client:default")).as("the client's balance").isEqualTo(DEPOSIT_MICROS - paid);
        assertThat(balances.get("external")).isEqualTo(-DEPOSIT_MICROS);
        Map<String, Long> nodes = balances.entrySet().stream().filter(e -> e.getKey().startsWith("node:"))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        assertThat(nodes.values().stream().mapToLong(Long::longValue).sum()).as("earned by the nodes %s", nodes)
                .isEqualTo(paid);

        List<JsonNode> transfers = new ArrayList<>();
        b.api("GET", "/v1/ledger/transfers?limit=10000", null).path("transfers").forEach(transfers::add);
        Map<String, Long> kinds = transfers.stream().collect(Collectors.groupingBy(t -> t.path("kind").asText(),
                TreeMap::new, Collectors.counting()));
        assertThat(kinds).as("transfers by kind").containsEntry("hold", (long) JOBS).containsEntry("release",
                (long) JOBS).doesNotContainKey("refund");
        Map<String, List<JsonNode>> releases = transfers.stream().filter(t -> "release".equals(t.path("kind").asText()))
                .collect(Collectors.groupingBy(t -> t.path("jobId").asText()));
        assertThat(releases.keySet()).as("jobs released").containsExactlyInAnyOrderElementsOf(jobs.keySet());
        releases.forEach((job, list) -> {
            assertThat(list).as("releases of job %s", job).hasSize(1);
            assertThat(list.getFirst().path("to").asText()).as("job %s paid to its node", job)
                    .isEqualTo("node:" + jobs.get(job).path("result").path("nodeId").asText());
            assertThat(list.getFirst().path("amountMicros").asLong()).isEqualTo(PRICE_MICROS);
        });
    }

    private static Map<String, Long> balances(Cluster b) throws Exception {
        Map<String, Long> out = new HashMap<>();
        b.api("GET", "/v1/ledger/accounts?limit=500", null).path("accounts")
                .forEach(a -> out.put(a.path("id").asText(), a.path("balanceMicros").asLong()));
        return out;
    }

    private static Map<String, Long> perNode(Map<String, JsonNode> jobs) {
        return jobs.values().stream().collect(Collectors.groupingBy(j -> j.path("result").path("nodeId").asText()
                .substring(0, 8), TreeMap::new, Collectors.counting()));
    }

    private static List<String> containersOf(Collection<String> ids) throws Exception {
        return DockerFixture.hearthContainers().stream().filter(name -> ids.stream().anyMatch(name::contains))
                .toList();
    }

    /** Removes any container of these jobs still on the engine (the agents remove their own when all goes well). */
    private static void removeContainers(Collection<String> ids) throws Exception {
        List<String> left = containersOf(ids);
        if (!left.isEmpty()) {
            List<String> cmd = new ArrayList<>(List.of("docker", "rm", "-f"));
            cmd.addAll(left);
            new ProcessBuilder(cmd).inheritIO().start().waitFor();
        }
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
