// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.cli.UnitFile;
import dev.hearth.core.json.Json;
import dev.hearth.sandbox.BuildProgress;
import dev.hearth.sandbox.DockerFixture;
import dev.hearth.sandbox.image.OpenClawImage;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The release as a new operator gets it: the tarball unpacked, the coordinator and an agent started from the
 * shipped units' ExecStart lines under a plain supervisor ({@link UnitProcess}; systemd is not the init here), a job
 * run through them, a Docker instance created, the agent restarted the way its unit would be, and the instance
 * still up and adopted by the new agent. The tarball is {@link ReleaseArtifacts#tarball()}. {@link SystemdE2eTest}
 * runs the same units under real systemd.
 */
@Tag("e2e")
@DisplayName("The release tarball: services from its units, a job, an instance that survives an agent restart")
class ReleaseE2eTest {

    private static final String TELEGRAM = "123456:ABC-def";

    @TempDir
    Path dir;
    private ReleaseApi rest;

    @Test
    @DisplayName("unpacked, it runs on its own runtime; services from its units run a job; a Docker instance keeps "
            + "running through 'systemctl restart hearth-agent' and the new agent adopts it")
    void services() throws Exception {
        OpenClawImage.ensure(DockerFixture.driver().images(), OpenClawImage.DEFAULT_OPENCLAW_VERSION,
                BuildProgress.silent());
        Path tree = unpack(ReleaseArtifacts.tarball());
        assertThat(tree.resolve("runtime/bin/java")).isExecutable();
        assertThat(tree.resolve("mvnw")).doesNotExist();
        for (String f : List.of("LICENSE", "NOTICE", "lib/hearth.jar", "share/man/man1/hearth-agent.1.gz",
                "share/systemd/hearth-vms.slice", "etc/agent.conf.example")) {
            assertThat(tree.resolve(f)).as(f).exists();
        }
        String version = run(tree, "--version");
        assertThat(version).matches("(?s)hearth \\d+\\.\\d+\\.\\d+\\S* \\(commit [0-9a-f]{12}(-dirty)?\\)\n.*");
        if (ReleaseArtifacts.fromThisTree()) { // a given tarball may come from an older commit
            git("rev-parse", "--short=12", "HEAD").ifPresent(head -> assertThat(version).contains("(commit " + head));
        }

        Path etc = Files.createDirectories(dir.resolve("etc"));
        Map<String, String> paths = new LinkedHashMap<>();
        paths.put("/opt/hearth", tree.toString());
        paths.put("/etc/hearth", etc.toString());
        paths.put("/var/lib/", Files.createDirectories(dir.resolve("var-lib")) + "/");
        int port = Cluster.freePort();
        rest = new ReleaseApi("http://127.0.0.1:" + port, "");
        Files.writeString(etc.resolve("coordinator.env"), "HEARTH_COORDINATOR_OPTS=--listen 127.0.0.1:" + port
                + " --heartbeat-interval 1s --lost-after 4s\n");
        UnitFile coordinatorUnit = UnitFile.read(tree.resolve("share/systemd/hearth-coordinator.service"));
        UnitFile agentUnit = UnitFile.read(tree.resolve("share/systemd/hearth-agent.service"));
        assertThat(agentUnit.get("Service.KillMode")).isEqualTo("mixed");

        List<String> instanceIds = new ArrayList<>();
        try (UnitProcess coordinator = UnitProcess.of("coordinator", coordinatorUnit, paths).start()) {
            Cluster.await("the coordinator answers /healthz", Duration.ofSeconds(90),
                    () -> rest.status("/healthz") == 200);
            rest = rest.withAdmin(
                    Files.readString(dir.resolve("var-lib/hearth-coordinator/admin.token")));
            String token = rest.api("POST", "/v1/tokens", "{\"ttl\":\"1h\"}").get("token").asText();
            Path tokenFile = etc.resolve("node.token");
            Files.writeString(tokenFile, token);
            Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
            // as an operator would: the example config, pointed at this coordinator and token
            Files.writeString(etc.resolve("agent.conf"), Files.readString(tree.resolve("etc/agent.conf.example"))
                    .replace("ws://127.0.0.1:7070", "ws://127.0.0.1:" + port).replace("/etc/hearth/", etc + "/"));
            Files.writeString(etc.resolve("agent.env"), String.join("\n", "HN_HEALTH_PORT=0",
                    "HN_HEARTBEAT_INTERVAL=1s", "HN_RECONNECT_DELAY=300ms", "HN_RECONNECT_MAX=1s",
                    "HN_DRAIN_GRACE=5s", "BASE_PORT=" + (Cluster.freePort() / 2 + 20000), ""));

            UnitProcess agent = UnitProcess.of("agent", agentUnit, paths).start();
            try {
                assertThat(agent.command().getFirst()).isEqualTo(tree.resolve("bin/hearth").toString());
                String nodeId = rest.awaitOnline();
                assertThat(agent.main().info().command()).as("the release's own Java runs it")
                        .contains(tree.resolve("runtime/bin/java").toString());

                String job = rest.api("POST", "/v1/jobs",
                        "{\"command\":[\"sh\",\"-c\",\"echo hello from the release\"],"
                        + "\"cpus\":\"0.25\",\"memory\":\"64m\"}").get("id").asText();
                Cluster.await("the job completes", Duration.ofSeconds(120),
                        () -> "completed".equals(rest.api("GET", "/v1/jobs/" + job, null).path("state").asText()));
                assertThat(rest.call("GET", "/v1/jobs/" + job + "/logs", null).body())
                        .contains("hello from the release");

                String id = "rel-" + java.util.UUID.randomUUID().toString().substring(0, 8);
                instanceIds.add(id);
                HttpResponse<String> created = rest.call("POST", "/v1/nodes/" + nodeId + "/instances?wait=300s",
                        "{\"id\":\"" + id + "\",\"telegramToken\":\"" + TELEGRAM + "\",\"telegramUsers\":\"42\","
                                + "\"vcpus\":\"2\",\"memoryMib\":\"2048\"}");
                assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
                JsonNode made = Json.mapper().readTree(created.body());
                assertThat(made.at("/instance/state").asText()).isEqualTo("running");
                int hostPort = made.at("/instance/hostPort").asInt();
                rest.awaitHealthy(nodeId, id, hostPort);
                String container = container(id);
                String startedAt = docker("inspect", "-f", "{{.State.StartedAt}}", container);

                // systemctl restart hearth-agent: SIGTERM, drain, then SIGKILL to the rest of its cgroup; then start
                List<Long> killed = agent.stop();
                assertThat(agent.cgroupPids()).isEmpty();
                assertThat(docker("inspect", "-f", "{{.State.Running}} {{.State.StartedAt}}", container))
                        .as("the instance's container outlives the agent (killed after it: %s)", killed)
                        .isEqualTo("true " + startedAt);
                agent.start();
                Cluster.await("the agent is back", Duration.ofSeconds(60), () -> agent.cgroupPids().size() > 0
                        && rest.node(nodeId).path("connected").asBoolean());
                rest.awaitHealthy(nodeId, id, hostPort);
                JsonNode after = rest.instance(nodeId, id).orElseThrow();
                assertThat(after.path("restarts").asInt()).as("adopted, not restarted: %s", after).isZero();
                assertThat(docker("inspect", "-f", "{{.State.StartedAt}}", container)).isEqualTo(startedAt);

                HttpResponse<String> destroyed = rest.call("DELETE", "/v1/nodes/" + nodeId + "/instances/" + id
                        + "?wait=60s", null);
                assertThat(destroyed.statusCode()).as(destroyed.body()).isEqualTo(200);
                instanceIds.clear();
            } finally {
                agent.close();
            }
        } finally {
            for (String id : instanceIds) {
                docker("rm", "-f", container(id)); // a failed run leaves nothing behind
            }
        }
    }

    private Path unpack(Path tarball) throws Exception {
        Path into = Files.createDirectories(dir.resolve("unpacked"));
        assertThat(new ProcessBuilder("tar", "-xzf", tarball.toString(), "-C", into.toString()).inheritIO().start()
                .waitFor()).isZero();
        try (var top = Files.list(into)) {
            return top.collect(java.util.stream.Collectors.toList()).getFirst();
        }
    }

    /** Runs the unpacked bin/hearth with no JDK in sight: an empty environment but a plain PATH. */
    private static String run(Path tree, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(tree.resolve("bin/hearth").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/bin:/bin");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    private static Optional<String> git(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("git"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        return p.waitFor() == 0 ? Optional.of(out) : Optional.empty();
    }

    private static String docker(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("docker"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        p.waitFor(60, TimeUnit.SECONDS);
        return out;
    }

    /** The container of instance {@code id}: the one whose name carries the id. */
    private static String container(String id) throws Exception {
        return docker("ps", "-a", "--filter", "name=" + id, "--format", "{{.Names}}").lines().findFirst()
                .orElseThrow(() -> new AssertionError("no container for instance " + id));
    }
}
