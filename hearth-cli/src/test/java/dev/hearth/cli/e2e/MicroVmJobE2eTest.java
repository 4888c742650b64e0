// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.core.json.Json;
import dev.hearth.sandbox.DockerFixture;
import dev.hearth.sandbox.VmFixture;
import dev.hearth.sandbox.microvm.MicroVmDriver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A coordinator and {@code hearth agent --runtimes docker,qemu} as real processes: a job submitted with
 * {@code runtime: qemu} runs in a QEMU microVM (TCG here; one boot, about 5 s), a job with {@code runtime: docker}
 * in a container of the same agent, and both results and the microVM job's signed receipt verify.
 */
@Tag("e2e")
@DisplayName("hearth agent --runtimes docker,qemu: the coordinator's qemu job runs in a microVM, its docker job in Docker")
class MicroVmJobE2eTest {

    /** Prints what only the sandbox's own kernel knows: its release and its boot command line. */
    private static final String PROBE = "echo kernel=$(uname -r); echo cmdline=$(cat /proc/cmdline)";
    /** Names this boot, shows what an earlier job left in /tmp (nothing, in a fresh VM), then leaves a mark there. */
    private static final String MARKS = "echo boot=$(cat /proc/sys/kernel/random/boot_id); echo tmp:; ls -A /tmp; "
            + "touch /tmp/mark";

    @TempDir
    Path root;

    @BeforeAll
    static void engines() throws Exception {
        DockerFixture.driver();
        VmFixture.image(); // the guest kernel and rootfs, cached in the image folder (built once per machine)
    }

    @Test
    @DisplayName("runtime qemu boots Hearth's guest kernel; runtime docker shares the host's; results and receipt verify")
    void jobsInBothRuntimes() throws Exception {
        try (Cluster c = new Cluster(root)) {
            c.startCoordinator();
            Cluster.Agent agent = c.startAgent("vm", c.port(), "--runtimes", "docker,qemu");
            c.awaitNodes("the agent online, offering docker and qemu", n -> n.size() == 1
                    && n.get(0).path("runtimes").toString().equals("[\"docker\",\"qemu\"]"));

            String vm = submit(c, "qemu");
            String box = submit(c, "docker");
            Cluster.await("both jobs completed", Duration.ofMinutes(3), () -> List.of(vm, box).stream()
                    .allMatch(id -> state(c, id).matches("completed|failed|error")));

            String host = System.getProperty("os.version");
            String vmLogs = c.completedLogs(vm);
            assertThat(vmLogs).doesNotContain("kernel=" + host + "\n")
                    .contains("cmdline=" + MicroVmDriver.bootArgs("qemu"));
            String boxLogs = c.completedLogs(box);
            assertThat(boxLogs).contains("kernel=" + host + "\n").doesNotContain("init=/sbin/hearth-init");

            // the microVM job's receipt is signed with the node's key and states what ran
            Path receipt = root.resolve("receipt.json");
            Map<String, String> admin = Map.of("HEARTH_TOKEN", c.admin());
            Cluster.Finished got = c.run(admin, "job", "receipt", vm, "--coordinator", c.base(), "-o",
                    receipt.toString());
            assertThat(got.exit()).as(got.output()).isZero();
            Cluster.Finished verified = c.run(admin, "verify", receipt.toString(), "--coordinator", c.base());
            assertThat(verified.exit()).as(verified.output()).isZero();
            assertThat(verified.output()).contains("holds  signature");
            assertThat(Json.mapper().readTree(Files.readString(receipt)).toString()).contains(vm);

            assertThat(VmFixture.runningVms()).as("VM processes left").doesNotContain(
                    MicroVmDriver.vmId("hearth-job-" + vm));
            assertThat(DockerFixture.hearthContainers(box)).as("containers left").isEmpty();
            assertThat(agent.process.isAlive()).isTrue();
        }
    }

    /**
     * The same agent with {@code --pool-size 1}: the first qemu job is booted cold and starts its pool; the next
     * takes the warm microVM booted for it, a different boot with none of the first job's marks; the stopped agent
     * leaves none of its VMs running.
     */
    @Test
    @DisplayName("--pool-size 1: the first qemu job boots cold, the next takes a warm microVM no job used; the stopped "
            + "agent leaves no VM")
    void warmMicroVmJobs() throws Exception {
        try (Cluster c = new Cluster(root).productionLogs("microvm-pool")) {
            c.startCoordinator();
            Cluster.Agent agent = c.startAgent("pool", c.port(), "--runtimes", "qemu", "--pool-size", "1",
                    "--pool-idle", "10m");
            c.awaitNodes("the agent online, offering qemu", n -> n.size() == 1
                    && n.get(0).path("runtimes").toString().equals("[\"qemu\"]"));
            AgentProbe probe = new AgentProbe(agent.state);

            String cold = submit(c, "qemu", MARKS);
            c.awaitFinal(cold);
            String coldLogs = c.completedLogs(cold);
            assertThat(coldLogs).contains("tmp:\n").doesNotContain("mark");
            assertThat(probe.value("hearth_agent_pool_jobs_total", "sandbox=\"cold\"")).isEqualTo(1);
            awaitReady(probe);

            String warm = submit(c, "qemu", MARKS);
            c.awaitFinal(warm);
            String warmLogs = c.completedLogs(warm);
            assertThat(probe.value("hearth_agent_pool_jobs_total", "sandbox=\"warm\"")).isEqualTo(1);
            assertThat(AgentProbe.finishedLine(c.log("agent-pool"), warm)).containsEntry("sandbox", "warm");
            assertThat(warmLogs).as("a fresh boot, none of the first job's marks").doesNotContain("mark")
                    .doesNotContain(bootId(coldLogs)).contains("tmp:\n");

            awaitReady(probe); // the pool refilled: a ready VM the stop must drain
            List<ProcessHandle> vms = ProcessHandle.of(agent.process.pid()).orElseThrow().descendants()
                    .filter(h -> h.info().commandLine().orElse("").contains("qemu-system")).toList();
            assertThat(vms).as("the agent's ready microVM").isNotEmpty();
            agent.process.destroy(); // SIGTERM: the agent drains, then its pools
            assertThat(agent.process.waitFor(90, java.util.concurrent.TimeUnit.SECONDS)).as("agent stopped").isTrue();
            Cluster.await("the pooled VMs gone", Duration.ofSeconds(30), () -> vms.stream().noneMatch(
                    ProcessHandle::isAlive));
        }
    }

    /**
     * The agent with {@code --vm-templates}: the first qemu job of its shape boots cold while the shape's template
     * is booted and saved; the next are restored from it, each with a /tmp of its own and random bytes of its own.
     */
    @Test
    @DisplayName("--vm-templates: the first qemu job boots cold while its shape's template is saved; the next are "
            + "restored from it, each with a fresh /tmp and random bytes of its own")
    void templateMicroVmJobs() throws Exception {
        String script = "echo rand=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \\n'); echo tmp:; ls -A /tmp; "
                + "touch /tmp/mark";
        try (Cluster c = new Cluster(root).productionLogs("microvm-template")) {
            c.startCoordinator();
            Cluster.Agent agent = c.startAgent("tpl", c.port(), "--runtimes", "qemu", "--vm-templates");
            c.awaitNodes("the agent online, offering qemu", n -> n.size() == 1);
            AgentProbe probe = new AgentProbe(agent.state);

            String cold = submit(c, "qemu", script);
            c.awaitFinal(cold);
            assertThat(AgentProbe.finishedLine(c.log("agent-tpl"), cold)).containsEntry("sandbox", "cold");
            Cluster.await("the shape's template saved", Duration.ofMinutes(3),
                    () -> Files.readString(c.log("agent-tpl")).contains("microVM template for"));

            List<String> rands = new java.util.ArrayList<>();
            for (int i = 0; i < 2; i++) {
                String id = submit(c, "qemu", script);
                c.awaitFinal(id);
                String logs = c.completedLogs(id);
                assertThat(logs).as("a VM of its own: no earlier job's mark").contains("tmp:\n")
                        .doesNotContain("mark");
                assertThat(AgentProbe.finishedLine(c.log("agent-tpl"), id)).containsEntry("sandbox", "template");
                rands.add(logs.lines().filter(l -> l.startsWith("rand=")).findFirst().orElseThrow());
            }
            assertThat(rands.get(0)).hasSize(5 + 32).isNotEqualTo(rands.get(1));
            assertThat(probe.value("hearth_agent_sandbox_start_seconds_count", "sandbox=\"template\"")).isEqualTo(2);

            List<ProcessHandle> vms = ProcessHandle.of(agent.process.pid()).orElseThrow().descendants()
                    .filter(h -> h.info().commandLine().orElse("").contains("qemu-system")).toList();
            agent.process.destroy();
            assertThat(agent.process.waitFor(90, java.util.concurrent.TimeUnit.SECONDS)).as("agent stopped").isTrue();
            assertThat(vms.stream().noneMatch(ProcessHandle::isAlive)).as("VMs left").isTrue();
        }
    }

    /** Waits until the agent's qemu pool holds a ready microVM (a TCG boot here). */
    private static void awaitReady(AgentProbe probe) throws Exception {
        Cluster.await("a warm microVM ready", Duration.ofMinutes(3),
                () -> probe.value("hearth_agent_pool_ready", "runtime=\"qemu\"") == 1);
    }

    private static String bootId(String logs) {
        return logs.lines().filter(l -> l.startsWith("boot=")).findFirst().orElseThrow();
    }

    private static String submit(Cluster c, String runtime) throws Exception {
        return submit(c, runtime, PROBE);
    }

    private static String submit(Cluster c, String runtime, String script) throws Exception {
        var doc = Json.mapper().createObjectNode().put("cpus", "0.5").put("memory", "128m").put("runtime", runtime)
                .put("timeout", "120s").put("retries", 0);
        doc.set("command", Json.mapper().valueToTree(List.of("sh", "-c", script)));
        return c.api("POST", "/v1/jobs", doc.toString()).get("id").asText();
    }

    private static String state(Cluster c, String id) {
        try {
            return c.job(id).path("state").asText();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
