// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.hypernode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The Hypernode v2.0 backend of {@code hypernode/v2_backend.py} (Python websockets, written from the wire protocol
 * reference), run as a child process and driven over its stdin and stdout. Every event it printed is kept in order.
 */
final class V2Backend implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final OutputStream control;
    private final List<JsonNode> seen = new ArrayList<>();
    private final int port;

    V2Backend(Path scratch, String... tokens) throws IOException, InterruptedException {
        Path script = scratch.resolve("v2_backend.py");
        try (var in = V2Backend.class.getResourceAsStream("/hypernode/v2_backend.py")) {
            Files.copy(in, script);
        }
        List<String> argv = new ArrayList<>(List.of("/usr/bin/python3", script.toString()));
        argv.addAll(List.of(tokens));
        process = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        control = process.getOutputStream();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    JsonNode e = JSON.readTree(line);
                    synchronized (seen) {
                        seen.add(e);
                        seen.notifyAll();
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        });
        JsonNode listening = await(e -> "listening".equals(e.path("event").asText()), 0, Duration.ofSeconds(10));
        port = listening.get("port").asInt();
    }

    /** The endpoint as HN_ENDPOINT names it: the backend listens on its root. */
    URI endpoint() {
        return URI.create("ws://127.0.0.1:" + port + "/");
    }

    /** How many events there are so far: a position to {@link #await} from. */
    int mark() {
        synchronized (seen) {
            return seen.size();
        }
    }

    /** The first event at position {@code from} or later matching {@code wanted}; fails after {@code within}. */
    JsonNode await(Predicate<JsonNode> wanted, int from, Duration within) throws InterruptedException {
        int at = awaitIndex(wanted, from, within);
        synchronized (seen) {
            return seen.get(at);
        }
    }

    /** The position of the first event at {@code from} or later matching {@code wanted}; fails after {@code within}. */
    int awaitIndex(Predicate<JsonNode> wanted, int from, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        synchronized (seen) {
            int i = from;
            while (true) {
                for (; i < seen.size(); i++) {
                    if (wanted.test(seen.get(i))) {
                        return i;
                    }
                }
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    throw new AssertionError("no matching event from the v2.0 backend within " + within
                            + "; seen: " + seen);
                }
                seen.wait(left);
            }
        }
    }

    /** The first message of type {@code type} the agent sent at position {@code from} or later. */
    JsonNode received(String type, int from, Duration within) throws InterruptedException {
        return await(e -> isMessage(e, type), from, within);
    }

    /** Whether event {@code e} is a message of type {@code type} the agent sent. */
    static boolean isMessage(JsonNode e, String type) {
        return "recv".equals(e.path("event").asText()) && type.equals(e.path("msg").path("type").asText());
    }

    /** Every event so far. */
    List<JsonNode> seen() {
        synchronized (seen) {
            return List.copyOf(seen);
        }
    }

    /** Sends {@code frame} to the connected agent. */
    void send(JsonNode frame) throws IOException, InterruptedException {
        ObjectNode cmd = JSON.createObjectNode().put("cmd", "send");
        cmd.set("frame", frame);
        command(cmd);
    }

    /** Runs a control command and waits until the backend did it. */
    void command(ObjectNode cmd) throws IOException, InterruptedException {
        int from = mark();
        control.write((JSON.writeValueAsString(cmd) + "\n").getBytes(StandardCharsets.UTF_8));
        control.flush();
        JsonNode done = await(e -> "done".equals(e.path("event").asText())
                || "no_connection".equals(e.path("event").asText()), from, Duration.ofSeconds(10));
        if (!"done".equals(done.path("event").asText())) {
            throw new AssertionError("the v2.0 backend had no agent connected for " + cmd);
        }
    }

    static ObjectNode object() {
        return JSON.createObjectNode();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
