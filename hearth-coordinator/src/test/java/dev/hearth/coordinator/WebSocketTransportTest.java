package dev.hearth.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.coordinator.hub.TransportLimits;
import dev.hearth.core.json.Json;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("The agents' WebSocket holds against broken and hostile peers (docs/security.md, WebSocket transport)")
class WebSocketTransportTest {

    private static final TransportLimits TEST = new TransportLimits(64 * 1024, Duration.ofSeconds(10), 64, 16,
            16L << 20, 4096, Duration.ofSeconds(5));

    @TempDir
    Path data;
    private CoordinatorServer server;
    private String admin;
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<AutoCloseable> open = new ArrayList<>();

    private void start(TransportLimits limits, Duration heartbeat, Duration lostAfter) throws Exception {
        server = CoordinatorServer.start(new CoordinatorConfig("127.0.0.1", 0, data, heartbeat, lostAfter,
                4 << 20, Duration.ofMillis(200)).withTransport(limits), InstantSource.system());
        admin = Files.readString(data.resolve("admin.token")).strip();
    }

    private void start(TransportLimits limits) throws Exception {
        start(limits, Duration.ofSeconds(1), Duration.ofSeconds(3));
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private <T extends AutoCloseable> T keep(T c) {
        open.add(c);
        return c;
    }

    private JsonNode api(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + admin);
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isLessThan(300);
        return Json.mapper().readTree(r.body());
    }

    private String nodeToken() throws Exception {
        return api("POST", "/v1/tokens", "{\"ttl\":\"1h\",\"label\":\"test\"}").get("token").asText();
    }

    private String submit(String command) throws Exception {
        return api("POST", "/v1/jobs", "{\"command\":[\"" + command + "\"]}").get("id").asText();
    }

    private void await(String what, long seconds, java.util.concurrent.Callable<Boolean> done) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!done.call()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " not within " + seconds + " s");
            }
            Thread.sleep(100);
        }
    }

    private String state(String path) throws Exception {
        return api("GET", path, null).path("state").asText();
    }

    /** An honest Hearth node registers with its key and finishes a job. */
    private void honestNodeRunsAJob() throws Exception {
        ScriptedHearthNode honest = keep(new ScriptedHearthNode(nodeToken(), 2, false));
        honest.connect(server.port());
        String id = submit("ok");
        await("job " + id + " completed", 20, () -> state("/v1/jobs/" + id).equals("completed"));
        honest.disconnect();
    }

    private static KeyPair newKey() throws Exception {
        return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    }

    private static String legacyRegister(String token) {
        return "{\"type\":\"register\",\"token\":\"" + token + "\",\"hostInfo\":{\"hostname\":\"legacy\","
                + "\"os\":\"Linux\",\"arch\":\"x86_64\",\"gpus\":[],\"agent_version\":\"2.0.0-docker\"}}";
    }

    /** Runs the Python websockets agent; its one line of JSON. */
    private JsonNode python(String ping, int holdSeconds) throws Exception {
        Path script = data.resolve("keepalive_agent.py");
        try (var in = getClass().getResourceAsStream("/ws/keepalive_agent.py")) {
            Files.copy(in, script);
        }
        Process p = new ProcessBuilder("/usr/bin/python3", script.toString(),
                "ws://127.0.0.1:" + server.port() + "/v1/agent", nodeToken(), ping, Integer.toString(holdSeconds))
                .redirectErrorStream(true).start();
        assertThat(p.waitFor(holdSeconds + 30, TimeUnit.SECONDS)).as("python agent ended").isTrue();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertThat(p.exitValue()).as(out).isZero();
        return Json.mapper().readTree(out.substring(out.lastIndexOf('\n') + 1));
    }

    private void assertStayedRegistered(JsonNode report) throws Exception {
        assertThat(report.get("closed").isNull()).as("the connection stayed open: %s", report).isTrue();
        assertThat(report.get("types").toString()).contains("registered").doesNotContain("hello");
    }

    @Test
    @DisplayName("a Python websockets client pinging every 0.5 s gets its pongs and stays connected and registered as "
            + "a v2.0 agent")
    void pingsAreAnswered() throws Exception {
        start(TEST);
        JsonNode report = python("0.5", 4);
        assertStayedRegistered(report);
        assertThat(state("/v1/nodes/" + report.get("nodeId").asText())).isEqualTo("online");
    }

    @Test
    @Tag("e2e")
    @DisplayName("a Python websockets client with its default keepalive (a ping every 20 s) stays connected and "
            + "registered for 2 minutes")
    void defaultKeepaliveHoldsTwoMinutes() throws Exception {
        start(TransportLimits.DEFAULTS, Duration.ofSeconds(10), Duration.ofSeconds(30));
        JsonNode report = python("default", 120);
        assertStayedRegistered(report);
        assertThat(state("/v1/nodes/" + report.get("nodeId").asText())).isEqualTo("online");
    }

    @Test
    @DisplayName("a v2.0 agent (no subprotocol) gets no hello and registers the v2.0 way; a Hearth agent negotiates "
            + "hearth.v1, gets the hello nonce and registers with its key")
    void helloOnlyForHearthAgents() throws Exception {
        start(TEST);
        try (ScriptedAgent legacy = new ScriptedAgent(server.port(), false)) {
            assertThat(legacy.subprotocol()).isEmpty();
            legacy.send(legacyRegister(nodeToken()));
            JsonNode first = legacy.next(10_000);
            assertThat(first.path("type").asText()).as("the first message: %s", first).isEqualTo("registered");
        }
        try (ScriptedAgent hearth = new ScriptedAgent(server.port(), true)) {
            assertThat(hearth.subprotocol()).isEqualTo("hearth.v1");
            JsonNode hello = hearth.next(10_000);
            assertThat(hello.path("type").asText()).isEqualTo("hello");
            hearth.send(ResultFrames.hearthRegister(nodeToken(), newKey(), hello.get("nonce").asText()));
            assertThat(hearth.expect("registered").get("nodeId").asText()).isNotBlank();
        }
        try (ScriptedAgent noNonce = new ScriptedAgent(server.port(), false)) {
            noNonce.send(ResultFrames.hearthRegister(nodeToken(), newKey(), "no-hello-was-sent"));
            assertThat(noNonce.expect("error").get("code").asText()).isEqualTo("protocol_unsupported");
        }
        honestNodeRunsAJob();
    }

    @Test
    @DisplayName("a node that registers and then stops reading is closed when its send queue overflows; the "
            + "scheduler is never held up: the lost-node watch takes its jobs back and an honest node finishes them")
    void slowReaderIsClosedNotWaitedOn() throws Exception {
        start(new TransportLimits(64 * 1024, Duration.ofSeconds(10), 64, 16, 4L << 20, 256, Duration.ofSeconds(2)));
        RawWsPeer rogue = keep(new RawWsPeer(server.port(), null, 4096, "hearth.v1"));
        String nonce = Json.mapper().readTree(rogue.readText()).get("nonce").asText();
        // room for every job it is offered: 100 slots, 1000 CPUs, 16 TiB
        rogue.sendText(ResultFrames.hearthRegister(nodeToken(), newKey(), nonce, 100)
                .replace("\"cpus\":4.0,\"memory_bytes\":17179869184", "\"cpus\":1000.0,\"memory_bytes\":17592186044416"));
        String rogueId = Json.mapper().readTree(rogue.readText()).get("nodeId").asText();
        // from here it never reads again, while the coordinator offers it ~8 MiB of jobs only it has room for
        String big = "x".repeat(200_000);
        for (int i = 0; i < 40; i++) {
            api("POST", "/v1/jobs", "{\"command\":[\"ok\",\"" + big + "\"],\"memory\":\"1000g\"}");
        }
        ScriptedHearthNode honest = keep(new ScriptedHearthNode(nodeToken(), 8, false));
        honest.connect(server.port());
        String small = submit("ok");
        await("the rogue node lost", 20, () -> state("/v1/nodes/" + rogueId).equals("lost"));
        await("the honest node's job completed", 60, () -> state("/v1/jobs/" + small).equals("completed"));
    }

    @Test
    @DisplayName("unregistered sockets sending 512 KiB frames (over the 64 KiB cap) are refused with frame_too_large "
            + "and closed, and the heap stays bounded")
    void bigFramesBeforeRegisterAreRefused() throws Exception {
        start(TEST);
        var memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        long before = memory.getHeapMemoryUsage().getUsed();
        String frame = "{\"type\":\"register\",\"token\":\"" + "x".repeat(512 << 10) + "\"}";
        for (int round = 0; round < 4; round++) {
            List<RawWsPeer> peers = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                RawWsPeer p = new RawWsPeer(server.port(), null, 0, null);
                peers.add(p);
                p.sendText(frame);
            }
            for (RawWsPeer p : peers) {
                assertThat(p.readText()).contains("frame_too_large");
                assertThat(p.awaitClose()).isEqualTo(1009);
                p.close();
            }
        }
        System.gc();
        long grown = memory.getHeapMemoryUsage().getUsed() - before;
        assertThat(grown).as("heap growth after 32 refused 512 KiB frames").isLessThan(48L << 20);
        honestNodeRunsAJob();
    }

    @Test
    @DisplayName("a socket that never registers is closed at the registration deadline")
    void idleUnregisteredSocketIsClosed() throws Exception {
        start(new TransportLimits(64 * 1024, Duration.ofSeconds(1), 64, 16, 16L << 20, 4096, Duration.ofSeconds(5)));
        try (RawWsPeer idle = new RawWsPeer(server.port(), null, 0, null)) {
            long t0 = System.nanoTime();
            assertThat(idle.awaitClose()).isEqualTo(1008);
            assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(5));
        }
        honestNodeRunsAJob();
    }

    @Test
    @DisplayName("connections past the per-address cap, or past the total cap, are refused with 1013; closing one "
            + "frees its place")
    void connectionCaps() throws Exception {
        start(new TransportLimits(64 * 1024, Duration.ofSeconds(30), 5, 3, 16L << 20, 4096, Duration.ofSeconds(5)));
        for (int i = 0; i < 3; i++) {
            admitted(keep(new RawWsPeer(server.port(), InetAddress.getByName("127.0.0.1"), 0, "hearth.v1")));
        }
        try (RawWsPeer fourth = new RawWsPeer(server.port(), InetAddress.getByName("127.0.0.1"), 0, "hearth.v1")) {
            assertThat(fourth.awaitClose()).as("the 4th connection from one address").isEqualTo(1013);
        }
        admitted(keep(new RawWsPeer(server.port(), InetAddress.getByName("127.0.0.2"), 0, "hearth.v1")));
        admitted(keep(new RawWsPeer(server.port(), InetAddress.getByName("127.0.0.2"), 0, "hearth.v1")));
        try (RawWsPeer sixth = new RawWsPeer(server.port(), InetAddress.getByName("127.0.0.3"), 0, "hearth.v1")) {
            assertThat(sixth.awaitClose()).as("the 6th connection in all").isEqualTo(1013);
        }
        for (AutoCloseable c : open) {
            c.close();
        }
        open.clear();
        honestNodeRunsAJob();
    }

    /** An admitted peer gets its hello (a refused one gets a close frame instead). */
    private static void admitted(RawWsPeer peer) throws Exception {
        assertThat(Json.mapper().readTree(peer.readText()).path("type").asText()).isEqualTo("hello");
    }
}
