// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.agent.inventory.HostInventory;
import dev.hearth.agent.inventory.NvidiaSmi;
import dev.hearth.agent.link.NodeIdentity;
import dev.hearth.agent.link.Outbox;
import dev.hearth.agent.node.AgentConfig;
import dev.hearth.agent.node.NodeAgent;
import dev.hearth.coordinator.CoordinatorConfig;
import dev.hearth.coordinator.CoordinatorServer;
import dev.hearth.core.json.Json;
import dev.hearth.core.protocol.Protocol;
import dev.hearth.sandbox.DockerFixture;
import dev.hearth.sandbox.docker.DockerDriver;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

@DisplayName("hearth job logs --follow against a real coordinator and agent")
class JobLogsFollowTest {

    @TempDir
    Path dir;

    @Test
    @DisplayName("prints a running job's output as it comes and returns once the job ends, with all of it")
    void follows() throws Exception {
        DockerFixture.driver();
        try (CoordinatorServer coordinator = coordinator()) {
            String url = "http://127.0.0.1:" + coordinator.port();
            Map<String, String> env = adminEnv();
            try (NodeAgent agent = agent(coordinator, env)) {
                agent.start();
                String id = cli(env, "job", "--coordinator", url, "submit", "--cpus", "0.25", "--memory", "64m",
                        "--", "sh", "-c", "echo first; sleep 3; echo second").out().toString().strip();
                assertThat(id).matches("[0-9a-f-]{36}");
                Running follow = start(env, "job", "--coordinator", url, "logs", "--follow", id);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!follow.out().toString().contains("first") && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                assertThat(follow.out().toString()).as("the first line, live").isEqualTo("first\n");
                assertThat(follow.exit().isDone()).as("still following while the job runs").isFalse();
                assertThat(follow.exit().get(60, TimeUnit.SECONDS)).isZero();
                assertThat(follow.out().toString()).isEqualTo("first\nsecond\n");
            }
        }
    }

    @Test
    @org.junit.jupiter.api.Tag("e2e")
    @DisplayName("a job printing more than 1 MiB: the follow gets it live and ends at the end; the full log is whole")
    void fullLogPastOneMebibyte() throws Exception {
        DockerFixture.driver();
        try (CoordinatorServer coordinator = coordinator()) {
            String url = "http://127.0.0.1:" + coordinator.port();
            Map<String, String> env = adminEnv();
            try (NodeAgent agent = agent(coordinator, env)) {
                agent.start();
                String id = cli(env, "job", "--coordinator", url, "submit", "--cpus", "0.5", "--memory", "64m",
                        "--", "sh", "-c", "echo start; sleep 3; seq 1 200000; echo end").out().toString().strip();
                Running follow = start(env, "job", "--coordinator", url, "logs", "--follow", id);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!follow.out().toString().startsWith("start\n") && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertThat(follow.exit().isDone()).as("the first line came while the job runs").isFalse();
                assertThat(follow.exit().get(120, TimeUnit.SECONDS)).isZero();
                StringBuilder expected = new StringBuilder("start\n");
                for (int i = 1; i <= 200_000; i++) {
                    expected.append(i).append('\n');
                }
                expected.append("end\n");
                assertThat(expected.length()).isGreaterThan(1 << 20);
                assertThat(follow.out().toString()).as("the follow printed all of it, once")
                        .hasSize(expected.length()).isEqualTo(expected.toString());
                var full = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(url + "/v1/jobs/" + id + "/logs")).header("Authorization", "Bearer "
                        + env.get("HEARTH_TOKEN")).build(), java.net.http.HttpResponse.BodyHandlers.ofByteArray());
                assertThat(full.headers().firstValue("Hearth-Log-Source")).contains("full");
                java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
                assertThat(full.body()).hasSize(expected.length());
                assertThat(java.util.HexFormat.of().formatHex(sha.digest(full.body())))
                        .isEqualTo(java.util.HexFormat.of().formatHex(sha.digest(expected.toString()
                                .getBytes(java.nio.charset.StandardCharsets.UTF_8))));
            }
        }
    }

    /** A real agent on the Docker engine, with a fresh node token. */
    private NodeAgent agent(CoordinatorServer coordinator, Map<String, String> env) throws Exception {
        var created = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + coordinator.port() + "/v1/tokens")).header("Authorization",
                "Bearer " + env.get("HEARTH_TOKEN")).header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"label\":\"follow\"}")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        String token = Json.mapper().readTree(created.body()).path("token").asText();
        Path state = dir.resolve("agent");
        AgentConfig config = AgentConfig.resolve(Map.of(AgentConfig.Key.ENDPOINT, "ws://127.0.0.1:"
                + coordinator.port(), AgentConfig.Key.HEARTBEAT_INTERVAL, "1s", AgentConfig.Key.HEALTH_PORT, "0"),
                Map.of("HN_NODE_TOKEN", token), null, state, 2);
        return new NodeAgent(config, DockerDriver.connect(), NodeIdentity.loadOrCreate(state), Outbox.open(state),
                new HostInventory(new NvidiaSmi()).read(List.of("docker"), "test", "test"), InstantSource.system());
    }

    @Test
    @DisplayName("job submit --wait on a terminal shows a live line while the job waits for a node, erased before "
            + "the job's final state line")
    void waitingLine() throws Exception {
        try (CoordinatorServer coordinator = coordinator()) {
            String url = "http://127.0.0.1:" + coordinator.port();
            Map<String, String> env = adminEnv();
            String id = cli(env, "job", "--coordinator", url, "submit", "--", "true").out().toString().strip();
            dev.hearth.client.HearthClient client = CoordinatorTarget.hearth(url, env);
            StringWriter terminal = new StringWriter();
            PrintWriter err = new PrintWriter(terminal, true);
            CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> {
                try (LiveLine live = new LiveLine(err, true)) {
                    return Follow.untilFinal(client.jobs().job(id), new PrintWriter(new StringWriter()), err, live);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!terminal.toString().contains("\r\033[K==> job queued ... 1s") && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(terminal.toString()).contains("hearth: job " + id + " queued")
                    .contains("\r\033[K==> job queued ... 1s");
            cli(env, "job", "--coordinator", url, "cancel", id);
            exit.get(30, TimeUnit.SECONDS);
            String text = terminal.toString();
            assertThat(text.substring(text.indexOf("hearth: job " + id + " cancelled") - 4))
                    .as("the live line was erased before the final state line").startsWith("\r\033[K");
        }
    }

    private CoordinatorServer coordinator() throws Exception {
        return CoordinatorServer.start(new CoordinatorConfig("127.0.0.1", 0, dir.resolve("coordinator"),
                Duration.ofSeconds(1), Duration.ofSeconds(4), Protocol.DEFAULT_MAX_FRAME_BYTES, Duration.ofMillis(200)),
                InstantSource.system());
    }

    /** The CLI's environment with the coordinator's admin token. */
    private Map<String, String> adminEnv() throws Exception {
        return new HashMap<>(Map.of("HEARTH_TOKEN", Files.readString(dir.resolve("coordinator").resolve(
                "admin.token")).strip(), "HEARTH_HOME", dir.toString()));
    }

    private record Running(StringWriter out, CompletableFuture<Integer> exit) {
    }

    private static Running cli(Map<String, String> env, String... args) throws Exception {
        Running r = start(env, args);
        assertThat(r.exit().get(60, TimeUnit.SECONDS)).as("hearth %s: %s", String.join(" ", args), r.out()).isZero();
        return r;
    }

    private static Running start(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        CommandLine cl = HearthCommand.commandLine(env);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(new StringWriter(), true));
        return new Running(out, CompletableFuture.supplyAsync(() -> cl.execute(args)));
    }
}
