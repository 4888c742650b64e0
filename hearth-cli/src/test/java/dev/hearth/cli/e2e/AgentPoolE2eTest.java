// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.sandbox.DockerFixture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("e2e")
@DisplayName("hearth agent --pool-size: the coordinator's jobs on warm Docker sandboxes, each used once")
class AgentPoolE2eTest {

    /**
     * Shows what it finds of an earlier job (nothing, in a fresh sandbox), then leaves marks a reused sandbox would
     * show the next job; exits 3, so a failed job's status and exit code are compared too.
     */
    private static final String SCRIPT =
            "echo hello; id -u; pwd; ls -A /tmp /job/out; touch /tmp/mark /job/out/mark; exit 3";
    /** The sandbox start histogram's count, by its {@code sandbox} tag. */
    private static final String START = "hearth_agent_sandbox_start_seconds_count";

    @TempDir
    Path root;

    @Test
    @DisplayName("with --pool-size 1, the first job of a key is made cold and fills its pool; the next ones take a "
            + "warm container each (metrics and log field say so), never a used one, with the same logs, status and "
            + "exit as the cold one; the stopped agent leaves no pooled container")
    void warmJobs() throws Exception {
        DockerFixture.driver();
        try (Cluster c = new Cluster(root).productionLogs("agent-pool")) {
            c.startCoordinator();
            Cluster.Agent a = c.startAgent("a", c.port(), "--pool-size", "1", "--pool-idle", "5m");
            c.awaitNodes("node online", n -> n.stream().anyMatch(x -> "online".equals(x.path("state").asText())));
            AgentProbe metrics = new AgentProbe(a.state);

            JsonNode cold = c.awaitFinal(c.submit(SCRIPT));
            assertThat(metrics.value("hearth_agent_pool_jobs_total", "sandbox=\"cold\"")).isEqualTo(1);
            assertThat(metrics.value("hearth_agent_pool_jobs_total", "sandbox=\"warm\"")).isZero();
            assertThat(metrics.value(START, "sandbox=\"cold\"")).isEqualTo(1);
            assertThat(metrics.value(START, "sandbox=\"warm\"")).isZero();
            String coldLogs = c.text("/v1/jobs/" + cold.path("id").asText() + "/logs");
            assertThat(coldLogs).startsWith("hello\n65534\n/job\n").doesNotContain("mark");

            String served = null;
            String lastWarm = null;
            for (int i = 1; i <= 2; i++) {
                awaitOneReady(metrics, a.process.pid());
                List<String> ready = pooled(a.process.pid());
                assertThat(ready).as("a container no job used").doesNotContain(served);
                served = ready.getFirst();
                JsonNode warm = c.awaitFinal(c.submit(SCRIPT));
                String id = warm.path("id").asText();
                lastWarm = id;
                assertThat(metrics.value("hearth_agent_pool_jobs_total", "sandbox=\"warm\"")).isEqualTo(i);
                assertThat(metrics.value(START, "sandbox=\"warm\"")).as("warm starts timed apart").isEqualTo(i);
                assertThat(warm.path("state").asText()).isEqualTo(cold.path("state").asText()).isEqualTo("failed");
                assertThat(warm.at("/result/exitCode").asLong()).isEqualTo(cold.at("/result/exitCode").asLong())
                        .isEqualTo(3);
                assertThat(c.text("/v1/jobs/" + id + "/logs")).as("the marks of no earlier job").isEqualTo(coldLogs);
                assertThat(warm.at("/result/hashesHold").asBoolean()).isTrue();
                assertThat(AgentProbe.finishedLine(c.log("agent-a"), id)).as("the finished line of job %s", id)
                        .containsEntry("sandbox", "warm");
            }
            assertThat(AgentProbe.finishedLine(c.log("agent-a"), cold.path("id").asText()))
                    .containsEntry("sandbox", "cold");
            assertThat(metrics.value("hearth_agent_pool_jobs_total", "sandbox=\"cold\"")).isEqualTo(1);
            assertThat(metrics.value(START, "sandbox=\"cold\"")).isEqualTo(1);
            // the last warm job's output file comes back checked against its signed receipt
            Cluster.Finished outputs = c.run(java.util.Map.of("HEARTH_TOKEN", c.admin(), "HEARTH_COORDINATOR",
                    c.base()), "job", "outputs", lastWarm, "-o", root.resolve("out").toString());
            assertThat(outputs.exit()).as(outputs.output()).isZero();
            assertThat(outputs.output()).contains("ok mark");

            // a warm job cancelled while it runs: its container goes, never back to the pool
            awaitOneReady(metrics, a.process.pid());
            String serving = pooled(a.process.pid()).getFirst();
            String endless = c.submit("echo started; sleep 600");
            Cluster.await("the endless job started", Duration.ofSeconds(60),
                    () -> c.text("/v1/jobs/" + endless + "/logs").contains("started"));
            c.api("POST", "/v1/jobs/" + endless + "/cancel", null);
            assertThat(c.awaitFinal(endless).path("state").asText()).isEqualTo("cancelled");
            assertThat(metrics.value("hearth_agent_pool_jobs_total", "sandbox=\"warm\"")).isEqualTo(3);
            Cluster.await("the cancelled job's container removed", Duration.ofSeconds(60),
                    () -> !pooled(a.process.pid()).contains(serving));

            long pid = a.process.pid();
            a.process.destroy(); // SIGTERM: the agent drains, then its pools
            assertThat(a.process.waitFor(90, TimeUnit.SECONDS)).as("the agent stopped").isTrue();
            assertThat(owned(pid)).as("containers the stopped agent owned").isEmpty();
        }
    }

    /** Waits until one warm container is ready and the agent owns no other (a used one goes in the background). */
    private static void awaitOneReady(AgentProbe metrics, long pid) throws Exception {
        Cluster.await("one warm container ready, none other", Duration.ofSeconds(60),
                () -> metrics.value("hearth_agent_pool_ready", "runtime=\"docker\"") == 1 && pooled(pid).size() == 1);
    }

    /** Names of the pooled containers, ready or serving, that the agent with {@code pid} owns. */
    private static List<String> pooled(long pid) throws Exception {
        return owned(pid).stream().filter(n -> n.startsWith("hearth-pool-")).toList();
    }

    /** Names of Hearth's containers owned by the process {@code pid}, running or not. */
    private static List<String> owned(long pid) throws Exception {
        Process p = new ProcessBuilder("docker", "ps", "-a", "--filter", "label=dev.hearth.owner.pid=" + pid,
                "--format", "{{.Names}}").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        return out.lines().filter(l -> !l.isBlank()).toList();
    }
}
