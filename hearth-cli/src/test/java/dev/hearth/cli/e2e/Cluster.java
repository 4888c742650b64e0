// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.cli.Main;
import dev.hearth.core.json.Json;
import dev.hearth.core.proof.ProofHashes;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A coordinator and agents as real `hearth` processes (this build's classes), for end-to-end tests: started,
 * killed with SIGKILL or stopped with SIGTERM, and restarted on the same data and state folders.
 */
final class Cluster implements AutoCloseable {

    /** Heartbeats every second; a node silent for 4 s is lost. */
    static final String HEARTBEAT = "1s";
    static final String LOST_AFTER = "4s";

    private final Path root;
    private final int port;
    private final List<Process> processes = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private Process coordinator;
    private String admin;
    private String logPrefix = "";
    private final List<String> jvmFlags = new ArrayList<>();
    private final Map<String, String> extraEnv = new java.util.HashMap<>();

    Cluster(Path root) throws IOException {
        this.root = root;
        this.port = freePort();
        Files.createDirectories(logs());
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    int port() {
        return port;
    }

    private static Path logs() {
        return Path.of("target", "e2e-logs");
    }

    /**
     * Its processes log as a release does (the main logback.xml, not the tests': JSON lines, since their output is
     * a file) at DEBUG, each to {@code target/e2e-logs/PREFIX-NAME.log}, emptied first.
     */
    Cluster productionLogs(String prefix) throws IOException {
        jvmFlags.add("-Dlogback.configurationFile=" + Path.of("target", "classes", "logback.xml").toAbsolutePath());
        extraEnv.put("HEARTH_LOG_LEVEL", "DEBUG");
        return logsAs(prefix);
    }

    /**
     * Its processes log to {@code target/e2e-logs/PREFIX-NAME.log}, emptied first, so that two clusters of one test
     * keep their logs apart.
     */
    Cluster logsAs(String prefix) throws IOException {
        logPrefix = prefix + "-";
        try (var old = Files.list(logs())) {
            for (Path f : old.filter(f -> f.getFileName().toString().startsWith(logPrefix)).toList()) {
                Files.delete(f);
            }
        }
        return this;
    }

    /** Sets {@code name=value} in the environment of the processes it starts from now on. */
    Cluster withEnv(String name, String value) {
        extraEnv.put(name, value);
        return this;
    }

    /** The log file of the process {@code name} ({@code coordinator}, {@code agent-NAME}). */
    Path log(String name) {
        return logs().resolve(logPrefix + name + ".log");
    }

    /** The admin token (after the coordinator started). */
    String admin() {
        return admin;
    }

    private Process spawn(String name, Map<String, String> env, String... args) throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = new ArrayList<>(List.of(java.toString(), "--enable-native-access=ALL-UNNAMED"));
        cmd.addAll(jvmFlags);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log(name).toFile()));
        pb.environment().put("HEARTH_HOME", root.toString());
        pb.environment().putAll(extraEnv);
        pb.environment().putAll(env);
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    /** The coordinator's data folder. */
    Path data() {
        return root.resolve("coordinator");
    }

    /** Where its agents connect: {@code ws://127.0.0.1:PORT}. */
    String endpoint() {
        return "ws://127.0.0.1:" + port;
    }

    /** Starts (or restarts) the coordinator on its port and data folder and waits until it answers. */
    void startCoordinator() throws Exception {
        startCoordinator(Map.of());
    }

    /**
     * As {@link #startCoordinator()}, with {@code env} added to its environment and {@code extraArgs} to its command
     * line ({@code --db URL}).
     */
    void startCoordinator(Map<String, String> env, String... extraArgs) throws Exception {
        List<String> args = new ArrayList<>(List.of("coordinator", "--listen", "127.0.0.1:" + port,
                "--data", data().toString(), "--heartbeat-interval", HEARTBEAT, "--lost-after", LOST_AFTER));
        args.addAll(List.of(extraArgs));
        coordinator = spawn("coordinator", env, args.toArray(String[]::new));
        await("the coordinator answers /healthz", Duration.ofSeconds(60), () -> {
            try {
                return http.send(HttpRequest.newBuilder(URI.create(base() + "/healthz")).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
            } catch (IOException notYet) {
                return false;
            }
        });
        admin = Files.readString(data().resolve("admin.token")).strip();
    }

    /** SIGKILL of the coordinator. */
    void killCoordinator() throws InterruptedException {
        coordinator.destroyForcibly();
        coordinator.waitFor(30, TimeUnit.SECONDS);
    }

    /** Starts an agent with a new token that connects to {@code port} (the coordinator's, or a proxy's). */
    Agent startAgent(String name, int connectTo, String... extraArgs) throws Exception {
        return startAgent(name, "ws://127.0.0.1:" + connectTo, extraArgs);
    }

    /** Starts an agent with a new token given {@code endpoints} (one, or several comma-separated). */
    Agent startAgent(String name, String endpoints, String... extraArgs) throws Exception {
        String token = api("POST", "/v1/tokens", "{\"ttl\":\"1h\",\"label\":\"" + name + "\"}").get("token").asText();
        Agent a = new Agent(name, token, root.resolve("agent-" + name), List.of(extraArgs));
        a.start(endpoints);
        return a;
    }

    /** An agent process and its state folder. */
    final class Agent {
        final String name;
        final String token;
        final Path state;
        /** Flags added to every start ({@code --runtimes docker,qemu}). */
        final List<String> extraArgs;
        Process process;

        Agent(String name, String token, Path state, List<String> extraArgs) {
            this.name = name;
            this.token = token;
            this.state = state;
            this.extraArgs = extraArgs;
        }

        void start(int connectTo) throws IOException {
            start("ws://127.0.0.1:" + connectTo);
        }

        /** Starts (or restarts) it given {@code endpoints}, one or several comma-separated. */
        void start(String endpoints) throws IOException {
            List<String> args = new ArrayList<>(List.of("agent",
                    "--coordinator", endpoints, "--state", state.toString(),
                    "--health-port", "0", "--slots", "3", "--heartbeat-interval", HEARTBEAT,
                    "--reconnect-delay", "300ms", "--reconnect-max", "1s", "--drain-grace", "5s"));
            args.addAll(extraArgs);
            process = spawn("agent-" + name, Map.of("HN_NODE_TOKEN", token), args.toArray(String[]::new));
        }

        void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }

        /** Results waiting in its outbox. */
        long outbox() throws IOException {
            Path dir = state.resolve("outbox");
            if (!Files.isDirectory(dir)) {
                return 0;
            }
            try (var files = Files.list(dir)) {
                return files.filter(f -> f.toString().endsWith(".json")).count();
            }
        }
    }

    /** Runs a one-shot `hearth` command to its end; returns its exit status and output. */
    Finished run(String... args) throws Exception {
        return run(Map.of(), args);
    }

    /** Runs a one-shot `hearth` command with {@code env} added to its environment; its status and output. */
    Finished run(Map<String, String> env, String... args) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = new ArrayList<>(List.of(java.toString(), "-cp", System.getProperty("java.class.path"),
                Main.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("HEARTH_HOME", root.toString());
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Finished(p.exitValue(), out);
    }

    record Finished(int exit, String output) {
    }

    String base() {
        return "http://127.0.0.1:" + port;
    }

    JsonNode api(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path))
                .header("Authorization", "Bearer " + admin).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("%s %s: %s", method, path, r.body()).isLessThan(300);
        return Json.mapper().readTree(r.body());
    }

    String text(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base() + path)).header("Authorization", "Bearer " + admin)
                .build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** Submits a small shell job (a quarter CPU, 64 MiB, so a 2-CPU agent runs several) and returns its id. */
    String submit(String script) throws Exception {
        var doc = Json.mapper().createObjectNode().put("cpus", "0.25").put("memory", "64m");
        doc.set("command", Json.mapper().valueToTree(List.of("sh", "-c", script)));
        return api("POST", "/v1/jobs", doc.toString()).get("id").asText();
    }

    JsonNode job(String id) throws Exception {
        return api("GET", "/v1/jobs/" + id, null);
    }

    /** The job once it is final (completed, failed or cancelled), waiting up to 120 s. */
    JsonNode awaitFinal(String id) throws Exception {
        JsonNode[] seen = new JsonNode[1];
        await("job " + id + " final", Duration.ofSeconds(120), () -> {
            seen[0] = job(id);
            return java.util.Set.of("completed", "failed", "cancelled").contains(seen[0].path("state").asText());
        });
        return seen[0];
    }

    /** The job's logs, once it completed and its result's hashes recompute from them. */
    String completedLogs(String id) throws Exception {
        JsonNode j = job(id);
        assertThat(j.path("state").asText()).as("job %s: %s", id, j).isEqualTo("completed");
        JsonNode r = j.path("result");
        String logs = text("/v1/jobs/" + id + "/logs");
        assertThat(r.path("logsHash").asText()).isEqualTo(ProofHashes.logsHash(logs));
        assertThat(r.path("executionHash").asText()).isEqualTo(ProofHashes.executionHash(id, logs,
                r.path("exitCode").asLong(), r.path("status").asText(), r.path("timestamp").asText()));
        assertThat(r.path("hashesHold").asBoolean()).isTrue();
        return logs;
    }

    List<JsonNode> nodes() throws Exception {
        List<JsonNode> out = new ArrayList<>();
        api("GET", "/v1/nodes", null).path("nodes").forEach(out::add);
        return out;
    }

    /** A counter from /metrics, e.g. {@code hearth_results_total{outcome="accepted"}}; 0 when absent. */
    double metric(String name, String label) throws Exception {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{[^}]*" + Pattern.quote(label)
                + "[^}]*\\} ([0-9.eE+]+)$").matcher(text("/metrics"));
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    interface Check {
        boolean holds() throws Exception;
    }

    static void await(String what, Duration limit, Check check) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!check.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + limit.toSeconds() + " s: " + what);
            }
            Thread.sleep(200);
        }
    }

    void awaitNodes(String what, Predicate<List<JsonNode>> p) throws Exception {
        await(what, Duration.ofSeconds(60), () -> p.test(nodes()));
    }

    /** Stops everything still running: SIGTERM first (agents drain), then SIGKILL. */
    @Override
    public void close() throws Exception {
        for (Process p : processes.reversed()) {
            if (p.isAlive()) {
                p.destroy();
            }
        }
        for (Process p : processes) {
            if (!p.waitFor(40, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
