// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.instances;

import static dev.hearth.agent.instances.InstanceFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
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
import dev.hearth.sandbox.docker.DockerDriver;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Instances through the coordinator: a real coordinator, a real node agent, the real engine (stand-in service)")
class CoordinatorInstancesTest {

    private static final String TELEGRAM = "123456:ABC-def";

    @TempDir
    Path dir;
    private final HttpClient http = HttpClient.newHttpClient();
    private InstanceFixture fx;
    private InstanceSupervisor supervisor;
    private CoordinatorServer coordinator;
    private String admin;
    private NodeAgent agent;
    private String nodeId;

    @BeforeEach
    void start() throws Exception {
        fx = new InstanceFixture(dir.resolve("state"));
        supervisor = fx.supervise();
        Path data = dir.resolve("coordinator");
        coordinator = CoordinatorServer.start(new CoordinatorConfig("127.0.0.1", 0, data, Duration.ofSeconds(1),
                Duration.ofSeconds(4), Protocol.DEFAULT_MAX_FRAME_BYTES, Duration.ofMillis(200)),
                InstantSource.system());
        admin = Files.readString(data.resolve("admin.token")).strip();
        String token = call("POST", "/v1/tokens", "{}").body();
        Path state = dir.resolve("agent");
        AgentConfig config = AgentConfig.resolve(Map.of(AgentConfig.Key.ENDPOINT, "ws://127.0.0.1:"
                + coordinator.port(), AgentConfig.Key.HEARTBEAT_INTERVAL, "1s", AgentConfig.Key.RECONNECT_DELAY,
                "200ms", AgentConfig.Key.RECONNECT_MAX, "1s", AgentConfig.Key.HEALTH_PORT, "0"),
                Map.of("HN_NODE_TOKEN", Json.mapper().readTree(token).get("token").asText()), null, state, 2);
        agent = new NodeAgent(config, DockerDriver.connect(), NodeIdentity.loadOrCreate(state), Outbox.open(state),
                new HostInventory(new NvidiaSmi()).read(List.of("docker"), "test", "test"), InstantSource.system(),
                fx.instances);
        agent.start();
        await("agent registered", Duration.ofSeconds(20), () -> agent.health().registered());
        nodeId = agent.health().nodeId().orElseThrow();
    }

    @AfterEach
    void stop() throws Exception {
        agent.close();
        coordinator.close();
        for (InstanceState s : fx.instances.store().all()) {
            fx.docker.remove(s.guest());
        }
        supervisor.close();
    }

    @Test
    @DisplayName("create through the API on the node; the inventory shows it with state and health; stop, start, a "
            + "killed guest's restart, and destroy show there; nothing is left on the host; no secret comes back")
    void lifecycle() throws Exception {
        String id = InstanceFixture.newId();
        HttpResponse<String> created = call("POST", "/v1/nodes/" + nodeId + "/instances?wait=120s", document(id, null));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode made = Json.mapper().readTree(created.body());
        assertThat(made.get("state").asText()).isEqualTo("done");
        assertThat(made.at("/instance/state").asText()).isEqualTo("running");
        assertThat(made.get("steps").toString()).contains("allocate").contains("provision").contains("health");
        int port = made.at("/instance/hostPort").asInt();
        assertThat(fx.instances.status(id).guestState()).isEqualTo("running");

        await("the node's inventory shows it running and healthy", Duration.ofSeconds(30),
                () -> instance(id).map(i -> i.get("state").asText().equals("running")
                        && i.get("health").asText().equals("ok")).orElse(false));
        JsonNode listed = cluster(id).orElseThrow();
        assertThat(listed.get("nodeId").asText()).isEqualTo(nodeId);
        assertThat(listed.get("hostPort").asInt()).isEqualTo(port);
        assertThat(listed.get("runtime").asText()).isEqualTo("docker");
        assertThat(listed.get("createdAt").asText()).isNotBlank();
        String token = fx.instances.token(id);
        for (String path : List.of("/v1/nodes/" + nodeId, "/v1/instances", "/v1/nodes",
                "/v1/instances/requests/" + made.get("requestId").asText())) {
            assertThat(call("GET", path, null).body()).as(path).doesNotContain(token).doesNotContain("ABC-def");
        }

        // its log, relayed from the node's agent: to the admin and the owner only; an unknown instance is a 404
        HttpResponse<String> log = call("GET", "/v1/nodes/" + nodeId + "/instances/" + id + "/logs", null);
        assertThat(log.statusCode()).as(log.body()).isEqualTo(200);
        assertThat(log.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
        assertThat(log.body()).contains(StubProvisioner.GREETING);
        String stranger = Json.mapper().readTree(call("POST", "/v1/clients", "{\"name\":\"stranger\"}").body())
                .get("key").asText();
        HttpResponse<String> notYours = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + coordinator.port() + "/v1/nodes/" + nodeId + "/instances/" + id + "/logs"))
                .header("Authorization", "Bearer " + stranger).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(notYours.statusCode()).as(notYours.body()).isEqualTo(403);
        assertThat(notYours.body()).doesNotContain(StubProvisioner.GREETING);
        HttpResponse<String> ghost = call("GET", "/v1/nodes/" + nodeId + "/instances/ghost/logs", null);
        assertThat(ghost.statusCode()).as(ghost.body()).isEqualTo(404);
        assertThat(ghost.body()).contains("unknown_instance");

        HttpResponse<String> stopped = call("POST", "/v1/nodes/" + nodeId + "/instances/" + id + "/stop", null);
        assertThat(stopped.statusCode()).as(stopped.body()).isEqualTo(200);
        assertThat(Json.mapper().readTree(stopped.body()).at("/instance/state").asText()).isEqualTo("stopped");
        assertThat(fx.instances.status(id).guestState()).isEqualTo("stopped");
        await("the inventory shows it stopped", Duration.ofSeconds(10), () -> instance(id)
                .map(i -> i.get("desired").asText().equals("stopped") && i.get("state").asText().equals("stopped"))
                .orElse(false));

        HttpResponse<String> started = call("POST", "/v1/nodes/" + nodeId + "/instances/" + id + "/start?wait=60s",
                null);
        assertThat(started.statusCode()).as(started.body()).isEqualTo(200);
        await("the inventory shows it running again", Duration.ofSeconds(10),
                () -> instance(id).map(i -> i.get("state").asText().equals("running")).orElse(false));

        fx.docker.kill(fx.instances.store().read(id).orElseThrow().guest());
        await("the inventory shows the supervisor's restart", Duration.ofSeconds(30),
                () -> instance(id).map(i -> i.get("restarts").asInt() == 1 && i.get("state").asText().equals("running")
                        && i.path("lastExit").asText().contains("signal 9")).orElse(false));

        HttpResponse<String> destroyed = call("DELETE", "/v1/nodes/" + nodeId + "/instances/" + id, null);
        assertThat(destroyed.statusCode()).as(destroyed.body()).isEqualTo(200);
        await("gone from the node's inventory and the cluster's", Duration.ofSeconds(10),
                () -> instance(id).isEmpty() && cluster(id).isEmpty());
        assertThat(fx.docker.leftovers(id)).isEmpty();
        assertThat(fx.instances.store().folder(id)).doesNotExist();
        await("port " + port + " closed", Duration.ofSeconds(15), () -> PortProbe.free(port));
    }

    @Test
    @DisplayName("pause and resume reach the node's Instances: a docker instance's pause comes back as the runtime's "
            + "refusal naming qemu and nothing changes (still wanted running, serving, reported running); resume "
            + "says it is not paused; another client may do neither; an unknown action is refused")
    void pauseRefusedOnDocker() throws Exception {
        String id = InstanceFixture.newId();
        HttpResponse<String> created = call("POST", "/v1/nodes/" + nodeId + "/instances?wait=120s", document(id, null));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        int port = Json.mapper().readTree(created.body()).at("/instance/hostPort").asInt();
        String instance = "/v1/nodes/" + nodeId + "/instances/" + id;

        HttpResponse<String> paused = call("POST", instance + "/pause", null);
        assertThat(paused.statusCode()).as(paused.body()).isEqualTo(502);
        JsonNode refusal = Json.mapper().readTree(paused.body());
        assertThat(refusal.get("error").asText()).isEqualTo("instance_failed");
        assertThat(refusal.get("message").asText()).contains("cannot pause instance '" + id + "'")
                .contains("the docker runtime cannot pause").contains("qemu runtime");
        assertThat(refusal.at("/request/action").asText()).isEqualTo("pause");
        assertThat(fx.instances.store().read(id).orElseThrow().desired()).isEqualTo(InstanceState.Desired.RUNNING);
        assertThat(fx.instances.status(id).guestState()).isEqualTo("running");
        String health = HealthProbe.check(port, "/health");
        assertThat(HealthProbe.ok(health)).as("still serving through its proxy: " + health).isTrue();
        await("the inventory still shows it wanted running and running", Duration.ofSeconds(10),
                () -> instance(id).map(i -> i.get("desired").asText().equals("running")
                        && i.get("state").asText().equals("running")).orElse(false));

        HttpResponse<String> resumed = call("POST", instance + "/resume", null);
        assertThat(resumed.statusCode()).as(resumed.body()).isEqualTo(502);
        assertThat(Json.mapper().readTree(resumed.body()).get("message").asText())
                .contains("is not paused (it is running)");

        String stranger = Json.mapper().readTree(call("POST", "/v1/clients", "{\"name\":\"stranger\"}").body())
                .get("key").asText();
        for (String action : List.of("pause", "resume")) {
            HttpResponse<String> notYours = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + coordinator.port() + instance + "/" + action)).header("Authorization", "Bearer " + stranger)
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(notYours.statusCode()).as(notYours.body()).isEqualTo(403);
        }
        HttpResponse<String> unknown = call("POST", instance + "/hibernate", null);
        assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(404);
        assertThat(unknown.body()).contains("unknown_action").contains("pause or resume");
        assertThat(fx.instances.store().read(id).orElseThrow().desired()).isEqualTo(InstanceState.Desired.RUNNING);
    }

    @Test
    @DisplayName("bad input through the API names the field and makes nothing on the node, whether the coordinator "
            + "or the node finds it (a port another process holds, a host file outside the image store, an allowlist "
            + "opening the node's LAN)")
    void badInput() throws Exception {
        String id = InstanceFixture.newId();
        HttpResponse<String> port = call("POST", "/v1/nodes/" + nodeId + "/instances", document(id, "99999"));
        assertThat(port.statusCode()).isEqualTo(400);
        assertThat(Json.mapper().readTree(port.body()).get("field").asText()).isEqualTo("hostPort");
        HttpResponse<String> typo = call("POST", "/v1/nodes/" + nodeId + "/instances",
                "{\"id\":\"" + id + "\",\"telegramToken\":\"1:A\",\"memroy\":\"1\"}");
        assertThat(typo.statusCode()).isEqualTo(400);
        assertThat(Json.mapper().readTree(typo.body()).get("field").asText()).isEqualTo("memroy");
        HttpResponse<String> token = call("POST", "/v1/nodes/" + nodeId + "/instances",
                "{\"id\":\"" + id + "\",\"telegramToken\":\"not a token\"}");
        assertThat(token.statusCode()).isEqualTo(400);
        assertThat(token.body()).contains("\"field\":\"telegramToken\"").doesNotContain("not a token");
        try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            HttpResponse<String> busy = call("POST", "/v1/nodes/" + nodeId + "/instances",
                    document(id, Integer.toString(taken.getLocalPort())));
            assertThat(busy.statusCode()).as(busy.body()).isEqualTo(400);
            assertThat(Json.mapper().readTree(busy.body()).get("field").asText()).isEqualTo("hostPort");
        }
        for (String field : List.of("baseInitrd", "baseKernel", "baseRootfs")) {
            HttpResponse<String> host = call("POST", "/v1/nodes/" + nodeId + "/instances?wait=30s", "{\"id\":\"" + id
                    + "\",\"telegramToken\":\"" + TELEGRAM + "\",\"runtime\":\"qemu\",\"" + field
                    + "\":\"/etc/shadow\"}");
            assertThat(host.statusCode()).as(host.body()).isEqualTo(400);
            assertThat(Json.mapper().readTree(host.body()).get("field").asText()).isEqualTo(field);
            assertThat(host.body()).as("the rule is named").contains("BASE_IMAGES_DIR").contains("/etc/shadow");
        }
        HttpResponse<String> badAllow = call("POST", "/v1/nodes/" + nodeId + "/instances", "{\"id\":\"" + id
                + "\",\"telegramToken\":\"" + TELEGRAM + "\",\"allow\":[\"api.example.test\"]}");
        assertThat(badAllow.statusCode()).as(badAllow.body()).isEqualTo(400);
        assertThat(badAllow.body()).contains("\"field\":\"allow\"").contains("HOST:PORT");
        // the coordinator accepts the form; the node refuses to open its own private ranges to a remote caller
        HttpResponse<String> lan = call("POST", "/v1/nodes/" + nodeId + "/instances?wait=30s", "{\"id\":\"" + id
                + "\",\"telegramToken\":\"" + TELEGRAM + "\",\"allow\":[\"192.168.1.0/24:22\"]}");
        assertThat(lan.statusCode()).as(lan.body()).isEqualTo(400);
        assertThat(lan.body()).contains("\"field\":\"allow\"").contains("192.168.1.0/24:22");
        assertThat(fx.instances.list()).isEmpty();
        assertThat(fx.docker.leftovers(id)).isEmpty();
        assertThat(fx.instances.store().folder(id)).doesNotExist();
    }

    @Test
    @DisplayName("unknown node, unknown instance, a v2.0 node and an offline node get clear errors; a short wait "
            + "answers 202 with the request to poll")
    void refusals() throws Exception {
        assertThat(call("POST", "/v1/nodes/nope/instances", document("x", null)).statusCode()).isEqualTo(404);
        HttpResponse<String> unknown = call("POST", "/v1/nodes/" + nodeId + "/instances/ghost/stop", null);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("unknown_instance").contains("ghost");

        HttpResponse<String> pending = call("POST", "/v1/nodes/" + nodeId + "/instances/ghost/restart?wait=0", null);
        if (pending.statusCode() == 202) { // the node may answer before the API looks: then it is the 404 above
            String request = Json.mapper().readTree(pending.body()).get("requestId").asText();
            assertThat(pending.headers().firstValue("Location")).contains("/v1/instances/requests/" + request);
            await("the polled request ends", Duration.ofSeconds(10), () -> Json.mapper().readTree(
                    call("GET", "/v1/instances/requests/" + request, null).body()).get("state").asText()
                    .equals("failed"));
        } else {
            assertThat(pending.statusCode()).isEqualTo(404);
        }

        String legacy = legacyNode();
        HttpResponse<String> old = call("POST", "/v1/nodes/" + legacy + "/instances", document("x", null));
        assertThat(old.statusCode()).isEqualTo(409);
        assertThat(old.body()).contains("instances_unsupported").contains("v2.0");

        agent.close();
        await("node disconnected", Duration.ofSeconds(10), () -> !Json.mapper().readTree(
                call("GET", "/v1/nodes/" + nodeId, null).body()).get("connected").asBoolean());
        HttpResponse<String> offline = call("POST", "/v1/nodes/" + nodeId + "/instances", document("x", null));
        assertThat(offline.statusCode()).isEqualTo(409);
        assertThat(offline.body()).contains("node_offline");
        assertThat(fx.instances.list()).isEmpty();
    }

    /** Registers a scripted Hypernode v2.0 agent (no protocol, no instances) and returns its node id. */
    private String legacyNode() throws Exception {
        String token = Json.mapper().readTree(call("POST", "/v1/tokens", "{}").body()).get("token").asText();
        CompletableFuture<String> registered = new CompletableFuture<>();
        WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + coordinator.port()
                + Protocol.AGENT_PATH), new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                        try {
                            JsonNode m = Json.mapper().readTree(data.toString());
                            if (m.path("type").asText().equals("registered")) {
                                registered.complete(m.get("nodeId").asText());
                            }
                        } catch (Exception e) {
                            registered.completeExceptionally(e);
                        }
                        w.request(1);
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS);
        ws.sendText("{\"type\":\"register\",\"token\":\"" + token + "\",\"hostInfo\":{\"hostname\":\"old-host\","
                + "\"agent_version\":\"2.0.0-docker\"}}", true).get(10, TimeUnit.SECONDS);
        return registered.get(10, TimeUnit.SECONDS);
    }

    private static String document(String id, String hostPort) {
        return "{\"id\":\"" + id + "\",\"telegramToken\":\"" + TELEGRAM + "\",\"telegramUsers\":\"42\",\"vcpus\":\"1\","
                + "\"memoryMib\":\"256\"" + (hostPort == null ? "" : ",\"hostPort\":\"" + hostPort + "\"") + "}";
    }

    /** The instance in {@code GET /v1/nodes/{id}}. */
    private Optional<JsonNode> instance(String id) throws Exception {
        JsonNode node = Json.mapper().readTree(call("GET", "/v1/nodes/" + nodeId, null).body());
        for (JsonNode i : node.path("instances")) {
            if (i.get("id").asText().equals(id)) {
                return Optional.of(i);
            }
        }
        return Optional.empty();
    }

    /** The instance in {@code GET /v1/instances}. */
    private Optional<JsonNode> cluster(String id) throws Exception {
        for (JsonNode i : Json.mapper().readTree(call("GET", "/v1/instances", null).body()).path("instances")) {
            if (i.get("id").asText().equals(id)) {
                return Optional.of(i);
            }
        }
        return Optional.empty();
    }

    private HttpResponse<String> call(String method, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + coordinator.port() + path))
                .header("Authorization", "Bearer " + admin).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
