// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.core.proof.ProofHashes;
import dev.hearth.sandbox.DockerFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A coordinator and two agents as separate `hearth` processes over real WebSockets, running jobs in real Docker
 * containers, through the failures the original network could not survive.
 */
@Tag("e2e")
@DisplayName("A coordinator and two agents as real processes: spread, kill -9, coordinator restart, long disconnect")
class ClusterE2eTest {

    @TempDir
    Path root;

    @BeforeAll
    static void images() throws Exception {
        DockerFixture.driver();
    }

    /** Every job completed once: its result's hashes recompute from its logs, and one result per job accepted. */
    private static void allCompletedOnce(Cluster c, List<String> ids) throws Exception {
        for (String id : ids) {
            c.completedLogs(id);
        }
        assertThat(c.metric("hearth_results_total", "outcome=\"accepted\"")).as("results accepted")
                .isEqualTo(ids.size());
    }

    /** No container of these jobs is left on the engine (other tests' containers are none of our business). */
    private static void noContainersOf(List<String> ids) throws Exception {
        for (String id : ids) {
            assertThat(DockerFixture.hearthContainers(id)).as("containers of job %s left", id).isEmpty();
        }
    }

    private static void awaitDone(Cluster c, List<String> ids, Duration limit) throws Exception {
        Cluster.await(ids.size() + " jobs completed", limit, () -> {
            for (String id : ids) {
                if (!"completed".equals(c.job(id).path("state").asText())) {
                    return false;
                }
            }
            return true;
        });
    }

    private static void bothOnline(Cluster c) throws Exception {
        c.awaitNodes("two nodes online", n -> n.stream().filter(x -> "online".equals(x.path("state").asText())
                && x.path("connected").asBoolean()).count() == 2);
    }

    @Test
    @DisplayName("50 jobs complete once each, spread over both agents, every proof recomputed")
    void fiftyJobsSpread() throws Exception {
        List<String> ids = new ArrayList<>();
        try (Cluster c = new Cluster(root)) {
            c.startCoordinator();
            Cluster.Agent a = c.startAgent("a", c.port());
            c.startAgent("b", c.port());
            bothOnline(c);
            Cluster.Finished healthy = c.run("agent", "--health", "--state", a.state.toString());
            assertThat(healthy.exit()).as(healthy.output()).isZero();
            assertThat(healthy.output()).contains("\"status\":\"ok\"").contains("\"engine\":\"ok\"");
            Cluster.Finished table = c.run("node", "list", "--coordinator", c.base());
            assertThat(table.output()).contains("NODE").contains("online");
            for (int i = 0; i < 50; i++) {
                ids.add(c.submit("echo job " + i + "; sleep 0.5"));
            }
            awaitDone(c, ids, Duration.ofMinutes(5));
            allCompletedOnce(c, ids);
            Map<String, Integer> perNode = new HashMap<>();
            for (String id : ids) {
                perNode.merge(c.job(id).path("result").path("nodeId").asText(), 1, Integer::sum);
                assertThat(c.job(id).path("attempts").asInt()).isEqualTo(1);
            }
            assertThat(perNode).hasSize(2).allSatisfy((node, n) -> assertThat(n).isGreaterThanOrEqualTo(5));
            Cluster.Finished waited = c.run("job", "submit", "--coordinator", c.base(), "--cpus", "0.25", "--memory",
                    "64m", "--wait", "--", "sh", "-c", "echo one; sleep 3; echo two");
            assertThat(waited.exit()).as(waited.output()).isZero();
            String shown = waited.output();
            // the first line is printed live, before the job ends, and no line twice
            assertThat(shown.indexOf("one\n")).isPositive().isLessThan(shown.indexOf(" completed on "));
            assertThat(shown.split("one\n", -1)).hasSize(2);
            assertThat(shown.split("two\n", -1)).hasSize(2);
            Path yaml = Files.writeString(root.resolve("job.yaml"), """
                    command: [sh, -c, 'cat /job/in/greeting.txt; echo "$WHO"; [ "$TOKEN" = s3cr3t ] && echo secret-ok']
                    cpus: "0.25"
                    memory: 64m
                    env: {WHO: world}
                    secrets: {TOKEN: s3cr3t}
                    files:
                      - {path: in/greeting.txt, text: "hello from yaml\\n"}
                    """);
            Cluster.Finished fromFile = c.run("job", "submit", "--coordinator", c.base(), "--file-spec",
                    yaml.toString(), "--wait");
            assertThat(fromFile.exit()).as(fromFile.output()).isZero();
            assertThat(fromFile.output()).contains("hello from yaml\nworld\nsecret-ok\n");
            assertThat(fromFile.output()).doesNotContain("s3cr3t");
            try (var logs = Files.list(Path.of("target", "e2e-logs"))) {
                for (Path log : logs.toList()) {
                    assertThat(Files.readString(log)).as("%s", log).doesNotContain("s3cr3t");
                }
            }
        }
        noContainersOf(ids);
    }

    @Test
    @DisplayName("an agent cut off, then killed with SIGKILL mid-job: its jobs finish elsewhere; restarted, its "
            + "outbox is sent and refused as stale; one accepted result per job")
    void killedAgent() throws Exception {
        List<String> ids = new ArrayList<>();
        try (Cluster c = new Cluster(root); TcpProxy link = new TcpProxy(Cluster.freePort(), c.port())) {
            c.startCoordinator();
            Cluster.Agent a = c.startAgent("a", link.port());
            c.awaitNodes("a online", n -> n.size() == 1 && "online".equals(n.getFirst().path("state").asText()));
            ids.add(c.submit("echo short; sleep 2"));
            ids.add(c.submit("echo long; sleep 20"));
            Cluster.await("both jobs running on a", Duration.ofSeconds(60), () ->
                    "running".equals(c.job(ids.get(0)).path("state").asText())
                            && "running".equals(c.job(ids.get(1)).path("state").asText()));
            link.cut();
            // the short job ends while a is cut off: its result waits in a's outbox
            Cluster.await("a keeps the short job's result", Duration.ofSeconds(30), () -> a.outbox() == 1);
            a.kill();
            assertThat(c.run("agent", "--health", "--state", a.state.toString()).exit()).isEqualTo(1);
            Cluster.Agent b = c.startAgent("b", c.port());
            awaitDone(c, ids, Duration.ofMinutes(3));
            for (String id : ids) {
                JsonNode j = c.job(id);
                assertThat(j.path("attempts").asInt()).isEqualTo(2);
                assertThat(j.path("result").path("epoch").asLong()).isEqualTo(2);
            }
            a.start(c.port());
            Cluster.await("a's stale result refused and its outbox emptied", Duration.ofSeconds(60),
                    () -> a.outbox() == 0 && c.metric("hearth_results_total", "outcome=\"stale_lease\"") >= 1);
            allCompletedOnce(c, ids);
            assertThat(c.text("/v1/jobs/" + ids.get(0) + "/logs")).isEqualTo("short\n");
            assertThat(b.outbox()).isZero();
        }
        noContainersOf(ids);
    }

    @Test
    @DisplayName("the coordinator killed and restarted mid-run: no job lost, agents reconnect by themselves")
    void coordinatorRestart() throws Exception {
        List<String> ids = new ArrayList<>();
        try (Cluster c = new Cluster(root)) {
            c.startCoordinator();
            c.startAgent("a", c.port());
            c.startAgent("b", c.port());
            bothOnline(c);
            for (int i = 0; i < 20; i++) {
                ids.add(c.submit("echo job " + i + "; sleep 2"));
            }
            Cluster.await("some jobs done", Duration.ofMinutes(2), () -> ids.stream().anyMatch(id -> {
                try {
                    return "completed".equals(c.job(id).path("state").asText());
                } catch (Exception e) {
                    return false;
                }
            }));
            c.killCoordinator();
            Thread.sleep(3000); // jobs go on finishing; their results wait in the outboxes
            c.startCoordinator();
            bothOnline(c);
            awaitDone(c, ids, Duration.ofMinutes(5));
            allCompletedOnceAcrossRestart(c, ids);
        }
        noContainersOf(ids);
    }

    /** After a coordinator restart its counters start again, so count accepted results through the jobs. */
    private static void allCompletedOnceAcrossRestart(Cluster c, List<String> ids) throws Exception {
        for (String id : ids) {
            JsonNode r = c.job(id).path("result");
            assertThat(r.path("hashesHold").asBoolean()).as("job %s", id).isTrue();
            assertThat(r.path("logsHash").asText()).isEqualTo(ProofHashes.logsHash(c.text("/v1/jobs/" + id
                    + "/logs")));
        }
    }

    @Test
    @DisplayName("an agent disconnected (not killed) longer than the TTL: its jobs move, its late results are "
            + "refused, and it comes back by itself")
    void longDisconnect() throws Exception {
        List<String> ids = new ArrayList<>();
        try (Cluster c = new Cluster(root); TcpProxy link = new TcpProxy(Cluster.freePort(), c.port())) {
            c.startCoordinator();
            Cluster.Agent a = c.startAgent("a", link.port());
            c.awaitNodes("a online", n -> n.size() == 1 && "online".equals(n.getFirst().path("state").asText()));
            for (int i = 0; i < 3; i++) {
                ids.add(c.submit("echo job " + i + "; sleep 3"));
            }
            Cluster.await("jobs running on a", Duration.ofSeconds(60), () -> {
                for (String id : ids) {
                    if (!"running".equals(c.job(id).path("state").asText())) {
                        return false;
                    }
                }
                return true;
            });
            link.cut();
            c.awaitNodes("a lost", n -> "lost".equals(n.getFirst().path("state").asText()));
            Cluster.Agent b = c.startAgent("b", c.port());
            awaitDone(c, ids, Duration.ofMinutes(3));
            Cluster.await("a finished its copies into its outbox", Duration.ofSeconds(30), () -> a.outbox() == 3);
            link.mend();
            Cluster.await("a back online with an empty outbox", Duration.ofSeconds(60), () -> a.outbox() == 0
                    && c.nodes().stream().filter(n -> "online".equals(n.path("state").asText())).count() == 2);
            assertThat(c.metric("hearth_results_total", "outcome=\"stale_lease\"")).isEqualTo(3);
            allCompletedOnce(c, ids);
            for (String id : ids) {
                assertThat(c.job(id).path("result").path("epoch").asLong()).isEqualTo(2);
            }
            assertThat(b.outbox()).isZero();
        }
        noContainersOf(ids);
    }
}
