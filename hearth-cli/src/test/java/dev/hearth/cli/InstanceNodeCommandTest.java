// SPDX-License-Identifier: Apache-2.0
package dev.hearth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.sandbox.docker.DockerGuests;
import dev.hearth.agent.instances.InstanceSettings;
import dev.hearth.agent.instances.InstanceState;
import dev.hearth.agent.instances.Instances;
import dev.hearth.agent.inventory.HostInventory;
import dev.hearth.agent.inventory.NvidiaSmi;
import dev.hearth.agent.link.NodeIdentity;
import dev.hearth.agent.link.Outbox;
import dev.hearth.agent.node.AgentConfig;
import dev.hearth.agent.node.NodeAgent;
import dev.hearth.core.instance.InstanceRuntime;
import dev.hearth.core.json.Json;
import dev.hearth.sandbox.DockerFixture;
import dev.hearth.sandbox.docker.DockerDriver;
import dev.hearth.sandbox.image.OpenClawImage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hearth instance pause|resume ID --node ID} through a real coordinator to a real node agent on the Docker
 * engine. The node's instance is a docker one whose state is written as a create leaves it: its runtime refuses
 * pause before the engine is asked, so no container is needed for what these commands show.
 */
@DisplayName("hearth instance pause|resume --node: through a real coordinator to a real agent's instances")
class InstanceNodeCommandTest {

    @TempDir
    Path dir;
    private TestCoordinator coordinator;
    private NodeAgent agent;
    private Instances instances;
    private String nodeId;

    @BeforeEach
    void start() throws Exception {
        coordinator = TestCoordinator.start(dir.resolve("coordinator"));
        Path root = dir.resolve("instances");
        InstanceSettings settings = InstanceSettings.from(Map.of("STATE_ROOT", root.toString()), dir.resolve("home"));
        instances = Instances.openClaw(settings, Map.of(InstanceRuntime.DOCKER,
                new DockerGuests(DockerFixture.driver(), settings.stateRoot(), OpenClawImage::buildOwn)));
        java.nio.file.Files.createDirectories(instances.store().folder("bot-1"));
        instances.store().write(new InstanceState("bot-1", InstanceRuntime.DOCKER, 28911, null, "hearth-bot-1",
                "hearth/openclaw:test", "anthropic/claude-opus-4-6", List.of(), List.of("42"), 1, 256, null, true,
                false, InstanceState.Desired.RUNNING, Instant.now(), List.of()));
        agent = agent();
        agent.start();
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!agent.health().registered()) {
            assertThat(System.nanoTime()).as("agent registered within 20 s").isLessThan(deadline);
            Thread.sleep(100);
        }
        nodeId = agent.health().nodeId().orElseThrow();
    }

    @AfterEach
    void stop() throws Exception {
        if (agent != null) {
            agent.close();
        }
        coordinator.close();
    }

    @Test
    @DisplayName("pause of a docker instance exits 1 with the node's refusal naming qemu and leaves it wanted "
            + "running; resume says it is not paused; an unknown instance exits 2 naming it")
    void pauseAndResumeThroughTheCoordinator() {
        CliRun pause = hearth("instance", "pause", "bot-1", "--node", nodeId);
        assertThat(pause.exit()).as(pause.err()).isEqualTo(1);
        assertThat(pause.err()).contains("/v1/nodes/" + nodeId + "/instances/bot-1/pause failed (502)")
                .contains("cannot pause instance 'bot-1'").contains("the docker runtime cannot pause")
                .contains("qemu runtime");
        assertThat(state()).isEqualTo(InstanceState.Desired.RUNNING);

        CliRun resume = hearth("instance", "resume", "bot-1", "--node", nodeId);
        assertThat(resume.exit()).as(resume.err()).isEqualTo(1);
        assertThat(resume.err()).contains("instance 'bot-1' is not paused (it is running)");
        assertThat(state()).isEqualTo(InstanceState.Desired.RUNNING);

        CliRun ghost = hearth("instance", "pause", "ghost", "--node", nodeId);
        assertThat(ghost.exit()).as(ghost.err()).isEqualTo(2);
        assertThat(ghost.err()).contains("no instance 'ghost' on this node");
    }

    @Test
    @DisplayName("--node on a command that cannot go through the coordinator names the commands that can")
    void onlySomeCommandsGoThrough() {
        CliRun provision = hearth("instance", "provision", "bot-1", "--node", nodeId);
        assertThat(provision.exit()).isEqualTo(2);
        assertThat(provision.err()).contains("start, stop, restart, pause, resume, destroy, create, list and logs only");
    }

    private CliRun hearth(String... args) {
        return CliRun.of(coordinator.env(), args);
    }

    private InstanceState.Desired state() {
        try {
            return instances.store().read("bot-1").orElseThrow().desired();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A real agent reporting and running the instances of {@link #instances}, with a fresh node token. */
    private NodeAgent agent() throws Exception {
        Map<String, String> env = coordinator.env();
        HttpResponse<String> created = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                env.get("HEARTH_COORDINATOR") + "/v1/tokens")).header("Authorization", "Bearer "
                + env.get("HEARTH_TOKEN")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        String token = Json.mapper().readTree(created.body()).path("token").asText();
        Path state = dir.resolve("agent");
        AgentConfig config = AgentConfig.resolve(Map.of(AgentConfig.Key.ENDPOINT, "ws://127.0.0.1:"
                + coordinator.server().port(), AgentConfig.Key.HEARTBEAT_INTERVAL, "1s", AgentConfig.Key.HEALTH_PORT,
                "0"), Map.of("HN_NODE_TOKEN", token), null, state, 2);
        // a driver of its own: the agent closes it
        return new NodeAgent(config, DockerDriver.connect(), NodeIdentity.loadOrCreate(state), Outbox.open(state),
                new HostInventory(new NvidiaSmi()).read(List.of("docker"), "test", "test"),
                java.time.InstantSource.system(), instances);
    }
}
