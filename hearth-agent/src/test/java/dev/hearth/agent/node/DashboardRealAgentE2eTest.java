// SPDX-License-Identifier: Apache-2.0
package dev.hearth.agent.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hearth.agent.inventory.HostInventory;
import dev.hearth.agent.inventory.NvidiaSmi;
import dev.hearth.agent.link.NodeIdentity;
import dev.hearth.agent.link.Outbox;
import dev.hearth.coordinator.CoordinatorConfig;
import dev.hearth.coordinator.CoordinatorServer;
import dev.hearth.coordinator.dashboard.DashboardBrowser;
import dev.hearth.core.json.Json;
import dev.hearth.core.protocol.Protocol;
import dev.hearth.sandbox.DockerFixture;
import dev.hearth.sandbox.docker.DockerDriver;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;

/**
 * The dashboard's whole story with real parts only: a real coordinator, a real {@link NodeAgent} running its job in
 * a real Docker sandbox, and a real headless Chromium (Debian's {@code chromium} and {@code chromium-driver}; the
 * test is skipped, naming what is missing, without them or without Docker). The admin logs in first; the agent starts
 * only then, and the node must appear on the open page without a reload (over SSE). A client then submits a job from
 * the page and watches it finish on the job page, with the job's output, its signed receipt and the oracle's verdict.
 * Screenshots of each page go to target/dashboard-screenshots/real-agent. What a real node adds nothing to (another
 * client's job, hostile input, an instance's log tail) stays in hearth-coordinator's {@code DashboardE2eTest}.
 */
@Tag("e2e")
@DisplayName("The dashboard, in a real headless Chromium, watching a real agent appear and run a job")
class DashboardRealAgentE2eTest {

    private static final Path SHOTS = Path.of("target", "dashboard-screenshots", "real-agent");

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();
    private CoordinatorServer coordinator;
    private DashboardBrowser page;
    private NodeAgent agent;
    private String admin;
    private String jobId;

    @BeforeEach
    void start() throws Exception {
        DockerFixture.driver(); // skips without a Docker engine
        Path data = dir.resolve("coordinator");
        coordinator = CoordinatorServer.start(new CoordinatorConfig("127.0.0.1", 0, data, Duration.ofSeconds(1),
                Duration.ofSeconds(4), Protocol.DEFAULT_MAX_FRAME_BYTES, Duration.ofMillis(200)),
                InstantSource.system());
        admin = Files.readString(data.resolve("admin.token")).strip();
        page = new DashboardBrowser(coordinator.port(), SHOTS);
    }

    @AfterEach
    void stop() throws Exception {
        if (page != null) {
            page.close();
        }
        if (agent != null) {
            agent.close();
        }
        coordinator.close();
        if (jobId != null) {
            assertThat(DockerFixture.hearthContainers(jobId)).as("containers of job %s left", jobId).isEmpty();
        }
    }

    @Test
    @DisplayName("log in, a real agent's node appears live, a client's job runs in Docker to its verdict and receipt")
    void realAgent() throws Exception {
        String alice = api("POST", "/v1/clients", "{\"name\":\"alice\"}").get("key").asText();
        api("POST", "/v1/ledger/deposits", "{\"account\":\"client:alice\",\"amount\":\"100\"}");
        String token = api("POST", "/v1/tokens", "{\"label\":\"dashboard-e2e\"}").get("token").asText();

        page.login(admin);
        page.text(By.id("nodes-online"), "0");
        page.shot("1-overview-empty");
        page.script("window.hearthNotReloaded = true");

        agent = startAgent(token);
        page.text(By.id("nodes-online"), "1");
        assertThat(page.script("return window.hearthNotReloaded === true")).as("the node appeared without a reload")
                .isEqualTo(true);
        page.shot("2-overview-node-up");
        String nodeId = agent.health().nodeId().orElseThrow();
        page.go("#/nodes");
        page.text(By.id("nodes-table"), nodeId);
        page.shot("3-nodes");
        page.go("#/nodes/" + nodeId);
        page.text(By.cssSelector("#view h1"), "Node " + nodeId);
        page.shot("4-node");
        page.logout();

        page.login(alice);
        page.go("#/jobs");
        page.text(By.cssSelector("#view h1"), "Jobs");
        page.driver().findElement(By.cssSelector("#submit-box summary")).click();
        var doc = page.driver().findElement(By.id("submit-doc"));
        doc.clear();
        doc.sendKeys("{\"command\":[\"sh\",\"-c\",\"echo hello from a real node; sleep 1\"],"
                + "\"cpus\":\"0.25\",\"memory\":\"64m\"}");
        page.driver().findElement(By.id("submit-job")).click();
        jobId = page.read(By.id("job-id")); // the job page re-renders while the job runs
        page.script("window.hearthNotReloaded = true");
        page.text(By.id("job-state"), "completed");
        page.text(By.id("verdict-outcome"), "passed");
        page.text(By.id("job-logs"), "hello from a real node");
        page.text(By.id("receipt"), jobId);
        page.text(By.id("receipt"), "signature");
        page.text(By.id("checks"), "signature");
        assertThat(page.script("return window.hearthNotReloaded === true")).as("the job finished without a reload")
                .isEqualTo(true);
        assertThat(page.driver().findElement(By.id("placements")).getText()).contains(nodeId);
        assertThat(page.driver().findElement(By.id("receipt")).getText()).as("the receipt the page shows is the job's")
                .isEqualTo(call(alice, "/v1/jobs/" + jobId + "/receipt").strip());
        page.shot("5-job");
        page.script("document.getElementById('verdict').scrollIntoView()");
        page.shot("5b-job-verdict");
        page.script("document.getElementById('receipt').scrollIntoView()");
        page.shot("5c-job-receipt");
        page.go("#/jobs");
        page.text(By.id("jobs-table"), jobId.substring(0, 8));
        page.shot("6-jobs");
    }

    private NodeAgent startAgent(String token) throws Exception {
        Path state = dir.resolve("agent");
        AgentConfig config = AgentConfig.resolve(Map.of(AgentConfig.Key.ENDPOINT, "ws://127.0.0.1:"
                + coordinator.port(), AgentConfig.Key.HEARTBEAT_INTERVAL, "1s", AgentConfig.Key.RECONNECT_DELAY,
                "200ms", AgentConfig.Key.RECONNECT_MAX, "1s", AgentConfig.Key.HEALTH_PORT, "0"),
                Map.of("HN_NODE_TOKEN", token), null, state, 2);
        NodeAgent started = new NodeAgent(config, DockerDriver.connect(), NodeIdentity.loadOrCreate(state),
                Outbox.open(state), new HostInventory(new NvidiaSmi()).read(List.of("docker"), "test", "test"),
                InstantSource.system());
        started.start();
        return started;
    }

    private String call(String key, String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + coordinator.port()
                + path)).header("Authorization", "Bearer " + key).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("GET %s: %s", path, r.body()).isEqualTo(200);
        return r.body();
    }

    private com.fasterxml.jackson.databind.JsonNode api(String method, String path, String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + coordinator.port()
                + path)).header("Authorization", "Bearer " + admin).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("%s %s: %s", method, path, r.body()).isBetween(200, 299);
        return Json.mapper().readTree(r.body());
    }
}
