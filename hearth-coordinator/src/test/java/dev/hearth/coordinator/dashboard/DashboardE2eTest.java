// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.coordinator.CoordinatorConfig;
import dev.hearth.coordinator.CoordinatorServer;
import dev.hearth.coordinator.ScriptedHearthNode;
import dev.hearth.core.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;

/**
 * The dashboard in a real headless Chromium (Debian's {@code chromium} and {@code chromium-driver}, which
 * scripts/setup-host installs) against a real coordinator and a node scripted over the real WebSocket: an admin logs
 * in and sees the node appear without reloading; a client submits a job from the page, watches it finish, and reads
 * its receipt and verdict; the client sees none of another client's jobs; the key is in no URL, no script-readable
 * cookie and no browser storage. Screenshots of every page go to target/dashboard-screenshots. The scripted node
 * lets this test reach what a real one adds nothing to (another client's job, an instance's log tail); the same
 * story with a real agent and a real Docker sandbox is hearth-agent's {@code DashboardRealAgentE2eTest}. The browser
 * steps are {@link DashboardBrowser}'s, shared with that test through this module's test-jar.
 */
@Tag("e2e")
@DisplayName("The dashboard, in a real headless Chromium")
class DashboardE2eTest {

    private static final Path SHOTS = Path.of("target", "dashboard-screenshots");

    @TempDir
    Path data;
    private CoordinatorServer server;
    private DashboardBrowser page;
    private WebDriver browser;
    private ScriptedHearthNode node;
    private final HttpClient http = HttpClient.newHttpClient();
    private String admin;

    @BeforeEach
    void start() throws Exception {
        server = CoordinatorServer.start(new CoordinatorConfig("127.0.0.1", 0, data, Duration.ofSeconds(1),
                Duration.ofSeconds(30), 64 * 1024, Duration.ofMillis(100)), InstantSource.system());
        admin = Files.readString(data.resolve("admin.token")).strip();
        page = new DashboardBrowser(server.port(), SHOTS);
        browser = page.driver();
    }

    @AfterEach
    void stop() throws Exception {
        if (page != null) {
            page.close();
        }
        if (node != null) {
            node.close();
        }
        server.close();
    }

    @Test
    @DisplayName("log in, a node appears live, a client's job runs to its verdict and receipt, another's stays hidden")
    void dashboard() throws Exception {
        String alice = api("POST", "/v1/clients", "{\"name\":\"alice\"}").get("key").asText();
        String bob = api("POST", "/v1/clients", "{\"name\":\"bob\"}").get("key").asText();
        api("POST", "/v1/ledger/deposits", "{\"account\":\"client:alice\",\"amount\":\"100\"}");
        api("POST", "/v1/ledger/deposits", "{\"account\":\"client:bob\",\"amount\":\"100\"}");
        String token = api("POST", "/v1/tokens", "{\"ttl\":\"1h\"}").get("token").asText();

        // The admin sees the network; the node appears on the open overview without a reload.
        page.login(admin);
        page.text(By.id("nodes-online"), "0");
        page.shot("1-overview-empty");
        node = new ScriptedHearthNode(token, 2, false);
        node.connect(server.port());
        page.text(By.id("nodes-online"), "1");
        page.shot("2-overview");
        page.go("#/nodes");
        page.text(By.id("nodes-table"), node.nodeId());
        page.shot("3-nodes");
        page.go("#/nodes/" + node.nodeId());
        page.text(By.cssSelector("#view h1"), "Node " + node.nodeId());
        page.shot("4-node");

        // Bob's job, submitted through the API, runs too: it must never show on Alice's pages.
        String bobsJob = Json.mapper().readTree(call(bob, "POST", "/v1/jobs", "{\"command\":[\"ok\"]}").body())
                .get("id").asText();
        page.logout();

        // Alice submits a job from the page and watches it reach its verdict, then reads the receipt.
        page.login(alice);
        page.go("#/jobs");
        page.text(By.cssSelector("#view h1"), "Jobs");
        browser.findElement(By.cssSelector("#submit-box summary")).click();
        var doc = browser.findElement(By.id("submit-doc"));
        doc.clear();
        doc.sendKeys("{\"command\":[\"ok\"],\"secrets\":{\"API_TOKEN\":\"s3cr3t-value\"}}");
        browser.findElement(By.id("submit-job")).click();
        String jobId = page.read(By.id("job-id"));
        page.text(By.id("verdict-outcome"), "passed");
        page.text(By.id("job-state"), "completed");
        page.text(By.id("receipt"), "signature");
        page.text(By.id("checks"), "signature");
        assertThat(page.read(By.id("placements"))).contains(node.nodeId());
        assertThat(browser.getPageSource()).as("a secret's value is never shown").contains("API_TOKEN")
                .doesNotContain("s3cr3t-value");
        page.shot("5-job");

        page.go("#/jobs");
        page.text(By.id("jobs-table"), jobId.substring(0, 8));
        assertThat(page.read(By.id("jobs-table"))).doesNotContain(bobsJob.substring(0, 8));
        page.shot("6-jobs");
        page.go("#/jobs/" + bobsJob);
        page.text(By.cssSelector("#view [role=alert]"), "belongs to another client");
        page.go("#/overview");
        page.text(By.id("jobs-completed"), "1"); // Alice's own: Bob's completed job is not counted
        page.shot("9-overview-client");
        // Alice's instance on the node: its page shows the tail of its log, read from the node's agent
        node.answerInstanceLogsWith("gateway listening on 18789\n");
        assertThat(call(alice, "POST", "/v1/nodes/" + node.nodeId() + "/instances",
                "{\"id\":\"bot-1\",\"telegramToken\":\"123456:ABC-def\"}").statusCode()).isEqualTo(201);
        page.go("#/instances");
        page.text(By.cssSelector("#view h1"), "Instances");
        page.text(By.id("instances-table"), "bot-1");
        page.shot("7-instances");
        browser.findElement(By.linkText("bot-1")).click();
        page.text(By.id("instance-logs"), "gateway listening on 18789");
        assertThat(browser.getPageSource()).doesNotContain("ABC-def");
        page.shot("7b-instance");
        page.go("#/ledger");
        page.text(By.id("balances"), "client:alice");
        page.shot("8-ledger");

        // The key is in no URL, no cookie a script can read, and no browser storage.
        var js = (org.openqa.selenium.JavascriptExecutor) browser;
        assertThat(browser.getCurrentUrl()).doesNotContain(alice);
        assertThat((String) js.executeScript("return document.cookie")).doesNotContain(DashboardSessions.COOKIE);
        assertThat((Long) js.executeScript("return localStorage.length + sessionStorage.length")).isZero();
    }

    private JsonNode api(String method, String path, String body) throws Exception {
        HttpResponse<String> r = call(admin, method, path, body);
        assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isBetween(200, 299);
        return Json.mapper().readTree(r.body());
    }

    private HttpResponse<String> call(String key, String method, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
