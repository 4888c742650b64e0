package dev.hearth.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.cli.UnitFile;
import dev.hearth.core.json.Json;
import dev.hearth.sandbox.DockerFixture;
import dev.hearth.sandbox.image.BuildProgress;
import dev.hearth.sandbox.image.OpenClawImage;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
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
 * still up and adopted by the new agent. Uses {@code -Dhearth.release.tarball=FILE} when given, else builds one
 * with {@code scripts/release --no-deb} (a few minutes).
 */
@Tag("e2e")
@DisplayName("The release tarball: services from its units, a job, an instance that survives an agent restart")
class ReleaseE2eTest {

    private static final String TELEGRAM = "123456:ABC-def";

    @TempDir
    Path dir;
    // HTTP/1.1: the gateway behind the proxy does not take the h2c upgrade of the default client
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private String base;
    private String admin;

    @Test
    @DisplayName("unpacked, it runs on its own runtime; services from its units run a job; a Docker instance keeps "
            + "running through 'systemctl restart hearth-agent' and the new agent adopts it")
    void services() throws Exception {
        OpenClawImage.ensure(DockerFixture.driver().images(), OpenClawImage.DEFAULT_OPENCLAW_VERSION,
                BuildProgress.silent());
        Path tree = unpack(tarball());
        assertThat(tree.resolve("runtime/bin/java")).isExecutable();
        assertThat(tree.resolve("mvnw")).doesNotExist();
        for (String f : List.of("LICENSE", "NOTICE", "lib/hearth.jar", "share/man/man1/hearth-agent.1.gz",
                "share/systemd/hearth-vms.slice", "etc/agent.conf.example")) {
            assertThat(tree.resolve(f)).as(f).exists();
        }
        String version = run(tree, "--version");
        assertThat(version).matches("(?s)hearth \\d+\\.\\d+\\.\\d+\\S* \\(commit [0-9a-f]{12}(-dirty)?\\)\n.*");
        git("rev-parse", "--short=12", "HEAD").ifPresent(head -> assertThat(version).contains("(commit " + head));

        Path etc = Files.createDirectories(dir.resolve("etc"));
        Map<String, String> paths = new LinkedHashMap<>();
        paths.put("/opt/hearth", tree.toString());
        paths.put("/etc/hearth", etc.toString());
        paths.put("/var/lib/", Files.createDirectories(dir.resolve("var-lib")) + "/");
        int port = Cluster.freePort();
        base = "http://127.0.0.1:" + port;
        Files.writeString(etc.resolve("coordinator.env"), "HEARTH_COORDINATOR_OPTS=--listen 127.0.0.1:" + port
                + " --heartbeat-interval 1s --lost-after 4s\n");
        UnitFile coordinatorUnit = UnitFile.read(tree.resolve("share/systemd/hearth-coordinator.service"));
        UnitFile agentUnit = UnitFile.read(tree.resolve("share/systemd/hearth-agent.service"));
        assertThat(agentUnit.get("Service.KillMode")).isEqualTo("mixed");

        List<String> instanceIds = new ArrayList<>();
        try (UnitProcess coordinator = UnitProcess.of("coordinator", coordinatorUnit, paths).start()) {
            Cluster.await("the coordinator answers /healthz", Duration.ofSeconds(90), () -> status("/healthz") == 200);
            admin = Files.readString(dir.resolve("var-lib/hearth-coordinator/admin.token")).strip();
            String token = api("POST", "/v1/tokens", "{\"ttl\":\"1h\"}").get("token").asText();
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
                String nodeId = awaitOnline();
                assertThat(agent.main().info().command()).as("the release's own Java runs it")
                        .contains(tree.resolve("runtime/bin/java").toString());

                String job = api("POST", "/v1/jobs", "{\"command\":[\"sh\",\"-c\",\"echo hello from the release\"],"
                        + "\"cpus\":\"0.25\",\"memory\":\"64m\"}").get("id").asText();
                Cluster.await("the job completes", Duration.ofSeconds(120),
                        () -> "completed".equals(api("GET", "/v1/jobs/" + job, null).path("state").asText()));
                assertThat(text("/v1/jobs/" + job + "/logs")).contains("hello from the release");

                String id = "rel-" + java.util.UUID.randomUUID().toString().substring(0, 8);
                instanceIds.add(id);
                HttpResponse<String> created = call("POST", "/v1/nodes/" + nodeId + "/instances?wait=300s",
                        "{\"id\":\"" + id + "\",\"telegramToken\":\"" + TELEGRAM + "\",\"telegramUsers\":\"42\","
                                + "\"vcpus\":\"2\",\"memoryMib\":\"2048\"}");
                assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
                JsonNode made = Json.mapper().readTree(created.body());
                assertThat(made.at("/instance/state").asText()).isEqualTo("running");
                int hostPort = made.at("/instance/hostPort").asInt();
                awaitHealthy(nodeId, id, hostPort);
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
                        && node(nodeId).path("connected").asBoolean());
                awaitHealthy(nodeId, id, hostPort);
                JsonNode after = instance(nodeId, id).orElseThrow();
                assertThat(after.path("restarts").asInt()).as("adopted, not restarted: %s", after).isZero();
                assertThat(docker("inspect", "-f", "{{.State.StartedAt}}", container)).isEqualTo(startedAt);

                HttpResponse<String> destroyed = call("DELETE", "/v1/nodes/" + nodeId + "/instances/" + id
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

    /** The tarball under test: -Dhearth.release.tarball, else a fresh scripts/release --no-deb. */
    private static Path tarball() throws Exception {
        String given = System.getProperty("hearth.release.tarball");
        if (given != null && !given.isBlank()) {
            return Path.of(given).toAbsolutePath();
        }
        Path repo = Path.of("..").toAbsolutePath().normalize();
        Process p = new ProcessBuilder(repo.resolve("scripts/release").toString(), "--no-deb").directory(repo.toFile())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(
                        Files.createDirectories(Path.of("target", "e2e-logs")).resolve("release-build.log").toFile()))
                .start();
        assertThat(p.waitFor(15, TimeUnit.MINUTES)).as("scripts/release within 15 minutes").isTrue();
        assertThat(p.exitValue()).as("scripts/release (target/e2e-logs/release-build.log)").isZero();
        try (var files = Files.list(repo.resolve("dist"))) {
            return files.filter(f -> f.getFileName().toString().matches("hearth-.*-linux-x64\\.tar\\.gz"))
                    .max(java.util.Comparator.comparing(f -> f.toFile().lastModified())).orElseThrow();
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

    private String awaitOnline() throws Exception {
        String[] id = new String[1];
        Cluster.await("the agent's node is online", Duration.ofSeconds(90), () -> {
            for (JsonNode n : api("GET", "/v1/nodes", null).path("nodes")) {
                if ("online".equals(n.path("state").asText())) {
                    id[0] = n.get("id").asText();
                    return true;
                }
            }
            return false;
        });
        return id[0];
    }

    private void awaitHealthy(String nodeId, String id, int hostPort) throws Exception {
        String[] last = {"nothing yet"};
        try {
            Cluster.await("instance " + id + " running, healthy and answering on its proxy", Duration.ofSeconds(240),
                    () -> {
                        Optional<JsonNode> i = instance(nodeId, id);
                        int proxy = proxyStatus(hostPort);
                        last[0] = i.map(JsonNode::toString).orElse("not in the inventory") + "; proxy " + proxy;
                        return i.map(n -> n.path("state").asText().equals("running")
                                && n.path("health").asText().equals("ok")).orElse(false) && proxy == 200;
                    });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; last seen: " + last[0], e);
        }
    }

    private int proxyStatus(int hostPort) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + hostPort + "/health"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private JsonNode node(String nodeId) throws Exception {
        return api("GET", "/v1/nodes/" + nodeId, null);
    }

    private Optional<JsonNode> instance(String nodeId, String id) throws Exception {
        for (JsonNode i : node(nodeId).path("instances")) {
            if (i.get("id").asText().equals(id)) {
                return Optional.of(i);
            }
        }
        return Optional.empty();
    }

    private int status(String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(base + path)).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private HttpResponse<String> call(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .header("Authorization", "Bearer " + admin).timeout(Duration.ofMinutes(6))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode api(String method, String path, String body) throws Exception {
        HttpResponse<String> r = call(method, path, body);
        assertThat(r.statusCode()).as("%s %s: %s", method, path, r.body()).isLessThan(300);
        return Json.mapper().readTree(r.body());
    }

    private String text(String path) throws Exception {
        return call("GET", path, null).body();
    }
}
