// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.adversary;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.coordinator.CoordinatorConfig;
import dev.hearth.coordinator.ResultFrames;
import dev.hearth.coordinator.ScriptedAgent;
import dev.hearth.coordinator.hub.TransportLimits;
import dev.hearth.coordinator.oracle.OracleSettings;
import dev.hearth.core.json.Json;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Broken and hostile peers on the agents' WebSocket: pings, the hello only for hearth.v1 agents, a node that stops
 * reading, big frames and idle sockets before registering, connection caps. Each scenario ends with
 * {@link AdversaryChecks#after}: an honest node is still served and paid, the ledger holds, the heap is bounded.
 */
@DisplayName("The agents' WebSocket holds against broken and hostile peers (docs/security.md, WebSocket transport)")
class WebSocketTransportTest extends AdversaryScenario {

    private static final TransportLimits TEST = new TransportLimits(64 * 1024, Duration.ofSeconds(10), 64, 16,
            16L << 20, 4096, Duration.ofSeconds(5));

    private void start(TransportLimits limits, Duration heartbeat, Duration lostAfter) throws Exception {
        coordinator = AdversaryCoordinator.start(new CoordinatorConfig("127.0.0.1", 0, data, heartbeat, lostAfter,
                4 << 20, Duration.ofMillis(200)).withTransport(limits), OracleSettings.DEFAULTS);
    }

    private void start(TransportLimits limits) throws Exception {
        start(limits, Duration.ofSeconds(1), Duration.ofSeconds(3));
    }

    private JsonNode api(String method, String path, String body) throws Exception {
        return coordinator.api(method, path, body);
    }

    private String state(String path) throws Exception {
        return api("GET", path, null).path("state").asText();
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
                "ws://127.0.0.1:" + coordinator.port() + "/v1/agent", coordinator.token(), ping,
                Integer.toString(holdSeconds))
                .redirectErrorStream(true).start();
        assertThat(p.waitFor(holdSeconds + 30, TimeUnit.SECONDS)).as("python agent ended").isTrue();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertThat(p.exitValue()).as(out).isZero();
        return Json.mapper().readTree(out.substring(out.lastIndexOf('\n') + 1));
    }

    /** The Python agent's connection stayed open and registered (online); once it left, the after-checks hold. */
    private void stayedRegisteredThenLeft(JsonNode report) throws Exception {
        assertThat(report.get("closed").isNull()).as("the connection stayed open: %s", report).isTrue();
        assertThat(report.get("types").toString()).contains("registered").doesNotContain("hello");
        assertThat(state("/v1/nodes/" + report.get("nodeId").asText())).isEqualTo("online");
        coordinator.awaitGone(report.get("nodeId").asText());
        AdversaryChecks.after(coordinator, Set.of());
    }

    @Test
    @DisplayName("a Python websockets client pinging every 0.5 s gets its pongs and stays connected and registered as "
            + "a v2.0 agent")
    void pingsAreAnswered() throws Exception {
        start(TEST);
        JsonNode report = python("0.5", 4);
        stayedRegisteredThenLeft(report);
    }

    @Test
    @Tag("e2e")
    @DisplayName("a Python websockets client with its default keepalive (a ping every 20 s) stays connected and "
            + "registered for 2 minutes")
    void defaultKeepaliveHoldsTwoMinutes() throws Exception {
        start(TransportLimits.DEFAULTS, Duration.ofSeconds(10), Duration.ofSeconds(30));
        JsonNode report = python("default", 120);
        stayedRegisteredThenLeft(report);
    }

    @Test
    @DisplayName("a v2.0 agent (no subprotocol) gets no hello and registers the v2.0 way; a Hearth agent negotiates "
            + "hearth.v1, gets the hello nonce and registers with its key")
    void helloOnlyForHearthAgents() throws Exception {
        start(TEST);
        try (ScriptedAgent legacy = new ScriptedAgent(coordinator.port(), false)) {
            assertThat(legacy.subprotocol()).isEmpty();
            legacy.send(legacyRegister(coordinator.token()));
            JsonNode first = legacy.next(10_000);
            assertThat(first.path("type").asText()).as("the first message: %s", first).isEqualTo("registered");
        }
        try (ScriptedAgent hearth = new ScriptedAgent(coordinator.port(), true)) {
            assertThat(hearth.subprotocol()).isEqualTo("hearth.v1");
            JsonNode hello = hearth.next(10_000);
            assertThat(hello.path("type").asText()).isEqualTo("hello");
            hearth.send(ResultFrames.hearthRegister(coordinator.token(), newKey(), hello.get("nonce").asText()));
            assertThat(hearth.expect("registered").get("nodeId").asText()).isNotBlank();
        }
        try (ScriptedAgent noNonce = new ScriptedAgent(coordinator.port(), false)) {
            noNonce.send(ResultFrames.hearthRegister(coordinator.token(), newKey(), "no-hello-was-sent"));
            assertThat(noNonce.expect("error").get("code").asText()).isEqualTo("protocol_unsupported");
        }
        AdversaryChecks.after(coordinator, Set.of());
    }

    @Test
    @DisplayName("a node that registers and then stops reading is closed when its send queue overflows; the "
            + "scheduler is never held up: the lost-node watch takes its jobs back and an honest node finishes them")
    void slowReaderIsClosedNotWaitedOn() throws Exception {
        start(new TransportLimits(64 * 1024, Duration.ofSeconds(10), 64, 16, 4L << 20, 256, Duration.ofSeconds(2)));
        RawWsPeer rogue = coordinator.closeLater(new RawWsPeer(coordinator.port(), null, 4096, "hearth.v1"));
        String nonce = Json.mapper().readTree(rogue.readText()).get("nonce").asText();
        // room for every job it is offered: 100 slots, 1000 CPUs, 16 TiB
        rogue.sendText(ResultFrames.hearthRegister(coordinator.token(), newKey(), nonce, 100)
                .replace("\"cpus\":4.0,\"memory_bytes\":17179869184", "\"cpus\":1000.0,\"memory_bytes\":17592186044416"));
        String rogueId = Json.mapper().readTree(rogue.readText()).get("nodeId").asText();
        // from here it never reads again, while the coordinator offers it ~8 MiB of jobs only it has room for
        String big = "x".repeat(200_000);
        List<String> offered = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            offered.add(api("POST", "/v1/jobs", "{\"command\":[\"ok\",\"" + big + "\"],\"memory\":\"1000g\","
                    + "\"price\":\"1\"}").get("id").asText());
        }
        coordinator.node(8, false);
        String small = coordinator.submit("ok", "10s", 0);
        AdversaryCoordinator.await("the rogue node lost",
                () -> call(() -> state("/v1/nodes/" + rogueId)).equals("lost"));
        coordinator.awaitJob(small, "completed");
        for (String id : offered) { // back in the queue, too big for any honest node: they go
            coordinator.call("POST", "/v1/jobs/" + id + "/cancel", null);
        }
        AdversaryChecks.after(coordinator, Set.of(rogueId));
    }

    private static String call(java.util.concurrent.Callable<String> read) {
        try {
            return read.call();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    @DisplayName("unregistered sockets sending messages in 32 KiB fragments (each under the 64 KiB cap, the whole "
            + "over it) are refused with frame_too_large and closed, and the heap stays bounded")
    void bigFramesBeforeRegisterAreRefused() throws Exception {
        start(TEST);
        var memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        long before = memory.getHeapMemoryUsage().getUsed();
        byte[] fragment = "x".repeat(32 << 10).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (int round = 0; round < 4; round++) {
            List<RawWsPeer> peers = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                RawWsPeer p = new RawWsPeer(coordinator.port(), null, 0, null);
                peers.add(p);
                p.sendFrame(0x1, false, "{\"type\":\"register\",\"token\":\"".getBytes());
                p.sendFrame(0x0, false, fragment);
                p.sendFrame(0x0, false, fragment); // past the cap here: nothing more is sent to the closing socket
            }
            for (RawWsPeer p : peers) {
                assertThat(p.readText()).contains("frame_too_large");
                assertThat(p.awaitClose()).isEqualTo(1009);
                p.close();
            }
        }
        System.gc();
        long grown = memory.getHeapMemoryUsage().getUsed() - before;
        assertThat(grown).as("heap growth after 32 refused messages").isLessThan(48L << 20);
        AdversaryChecks.after(coordinator, Set.of());
    }

    @Test
    @DisplayName("48 unregistered sockets each announcing a 4 MiB frame and sending 3.5 MiB of it are closed (1009) on "
            + "the frame header, while 16 dripping a 60 KiB frame hold at most that until the registration deadline "
            + "(1008): the heap grows by a few MiB, not 48 x 3.5 MiB, and an honest node is still served")
    void slowHugeFramesBeforeRegister() throws Exception {
        Duration deadline = Duration.ofSeconds(8);
        start(new TransportLimits(64 * 1024, deadline, 128, 128, 16L << 20, 4096, Duration.ofSeconds(5)));
        var memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        long before = memory.getHeapMemoryUsage().getUsed();
        long t0 = System.nanoTime();
        List<RawWsPeer> huge = new ArrayList<>();
        List<RawWsPeer> slow = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            RawWsPeer p = coordinator.closeLater(new RawWsPeer(coordinator.port(), null, 0, null));
            p.startFrame(60 << 10); // under the cap before register: Helidon reads it, as slowly as it comes
            p.sendRaw(new byte[1024]);
            slow.add(p);
        }
        byte[] chunk = new byte[256 << 10];
        try (var senders = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 48; i++) {
                RawWsPeer p = coordinator.closeLater(new RawWsPeer(coordinator.port(), null, 0, null));
                huge.add(p);
                senders.submit(() -> {
                    try {
                        p.startFrame(4L << 20);
                        for (int sent = 0; sent < 14; sent++) { // 3.5 MiB of the 4 announced, never the rest
                            p.sendRaw(chunk);
                        }
                    } catch (java.io.IOException refused) {
                        // the coordinator closed the socket on the header: what the defence does
                    }
                    return null;
                });
            }
        }
        long dripUntil = t0 + deadline.minusSeconds(2).toNanos(); // then silent, so each close frame is read whole
        var cutOff = new java.util.concurrent.atomic.AtomicReference<Exception>();
        Thread dripper = Thread.ofVirtual().start(() -> {
            try {
                while (System.nanoTime() < dripUntil) {
                    for (RawWsPeer p : slow) {
                        p.sendRaw(new byte[256]); // 1 KiB a second each: the 60 KiB never complete
                    }
                    Thread.sleep(250);
                }
            } catch (java.io.IOException | InterruptedException e) {
                cutOff.set(e);
            }
        });
        Thread.sleep(500);
        System.gc();
        long grown = memory.getHeapMemoryUsage().getUsed() - before;
        assertThat(System.nanoTime() - t0).as("measured before the registration deadline")
                .isLessThan(deadline.toNanos());
        assertThat(grown).as("heap growth while 48 unregistered peers are in the middle of 4 MiB frames and 16 "
                + "drip 60 KiB ones").isLessThan(24L << 20);
        for (RawWsPeer p : huge) {
            // the close frame, or a reset if the peer was still writing when the socket closed
            assertThat(p.awaitClose()).as("a peer announcing a 4 MiB frame").isIn(1009, -1);
        }
        assertThat(System.nanoTime() - t0).as("closed on the header, not at the registration deadline")
                .isLessThan(deadline.toNanos());
        dripper.join();
        assertThat(cutOff.get()).as("a peer dripping under the cap cut off before the deadline").isNull();
        for (RawWsPeer p : slow) {
            assertThat(p.awaitClose()).as("a peer dripping a frame under the cap").isEqualTo(1008);
        }
        AdversaryChecks.after(coordinator, Set.of());
    }

    @Test
    @DisplayName("a registered v2.0 agent (Python websockets) still sends a 2 MiB job_result as one frame: past "
            + "registration its connection's frame limit is the full cap again")
    void registeredLegacyAgentSendsLargeSingleFrame() throws Exception {
        start(TEST, Duration.ofSeconds(1), Duration.ofSeconds(30));
        Path script = data.resolve("legacy_result_agent.py");
        try (var in = getClass().getResourceAsStream("/ws/legacy_result_agent.py")) {
            Files.copy(in, script);
        }
        Process p = new ProcessBuilder("/usr/bin/python3", script.toString(),
                "ws://127.0.0.1:" + coordinator.port() + "/v1/agent", coordinator.token())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (var out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()));
                var in = p.getOutputStream()) {
            String job = coordinator.submit("ok", "10s", 0);
            JsonNode offered = Json.mapper().readTree(out.readLine());
            assertThat(offered.path("job").asText()).isEqualTo(job);
            String result = ResultFrames.legacy(job, offered.path("nodeId").asText(), "x".repeat(2 << 20));
            in.write((result + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            in.flush();
            JsonNode report = Json.mapper().readTree(out.readLine());
            assertThat(report.path("frameBytes").asInt()).as("one frame, 32 times the cap before register")
                    .isGreaterThan(2 << 20);
            assertThat(report.get("closed").isNull()).as("the connection stayed open: %s", report).isTrue();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("python agent ended").isTrue();
            assertThat(p.exitValue()).isZero();
            AdversaryCoordinator.await("the result recorded", () -> !call(() -> state("/v1/jobs/" + job))
                    .matches("queued|leased|running"));
            assertThat(coordinator.call("GET", "/v1/jobs/" + job + "/logs", null).body()).hasSize(2 << 20);
            coordinator.awaitGone(offered.path("nodeId").asText());
        } finally {
            p.destroy();
        }
        AdversaryChecks.after(coordinator, Set.of());
    }

    @Test
    @DisplayName("a socket that never registers is closed at the registration deadline")
    void idleUnregisteredSocketIsClosed() throws Exception {
        start(new TransportLimits(64 * 1024, Duration.ofSeconds(1), 64, 16, 16L << 20, 4096, Duration.ofSeconds(5)));
        try (RawWsPeer idle = new RawWsPeer(coordinator.port(), null, 0, null)) {
            long t0 = System.nanoTime();
            assertThat(idle.awaitClose()).isEqualTo(1008);
            assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(5));
        }
        AdversaryChecks.after(coordinator, Set.of());
    }

    @Test
    @DisplayName("connections past the per-address cap, or past the total cap, are refused with 1013; closing one "
            + "frees its place")
    void connectionCaps() throws Exception {
        start(new TransportLimits(64 * 1024, Duration.ofSeconds(30), 5, 3, 16L << 20, 4096, Duration.ofSeconds(5)));
        List<RawWsPeer> open = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            admitted(keep(open, new RawWsPeer(coordinator.port(), InetAddress.getByName("127.0.0.1"), 0, "hearth.v1")));
        }
        try (RawWsPeer fourth = new RawWsPeer(coordinator.port(), InetAddress.getByName("127.0.0.1"), 0, "hearth.v1")) {
            assertThat(fourth.awaitClose()).as("the 4th connection from one address").isEqualTo(1013);
        }
        admitted(keep(open, new RawWsPeer(coordinator.port(), InetAddress.getByName("127.0.0.2"), 0, "hearth.v1")));
        admitted(keep(open, new RawWsPeer(coordinator.port(), InetAddress.getByName("127.0.0.2"), 0, "hearth.v1")));
        try (RawWsPeer sixth = new RawWsPeer(coordinator.port(), InetAddress.getByName("127.0.0.3"), 0, "hearth.v1")) {
            assertThat(sixth.awaitClose()).as("the 6th connection in all").isEqualTo(1013);
        }
        for (RawWsPeer c : open) {
            c.close();
        }
        AdversaryChecks.after(coordinator, Set.of());
    }

    private static RawWsPeer keep(List<RawWsPeer> open, RawWsPeer peer) {
        open.add(peer);
        return peer;
    }

    /** An admitted peer gets its hello (a refused one gets a close frame instead). */
    private static void admitted(RawWsPeer peer) throws Exception {
        assertThat(Json.mapper().readTree(peer.readText()).path("type").asText()).isEqualTo("hello");
    }
}
