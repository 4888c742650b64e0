// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hearth.coordinator.CoordinatorConfig;
import dev.hearth.coordinator.CoordinatorServer;
import dev.hearth.coordinator.ScriptedHearthNode;
import dev.hearth.core.json.Json;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.InstantSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real headless Chromium (Debian's {@code chromium} and {@code chromium-driver}, which
 * scripts/setup-host installs) against a real coordinator and a node scripted over the real WebSocket: an admin logs
 * in and sees the node appear without reloading; a client submits a job from the page, watches it finish, and reads
 * its receipt and verdict; the client sees none of another client's jobs; the key is in no URL, no script-readable
 * cookie and no browser storage. Screenshots of every page go to target/dashboard-screenshots.
 */
@Tag("e2e")
@DisplayName("The dashboard, in a real headless Chromium")
class DashboardE2eTest {

    private static final Path SHOTS = Path.of("target", "dashboard-screenshots");

    @TempDir
    Path data;
    private CoordinatorServer server;
    private WebDriver browser;
    private ScriptedHearthNode node;
    private final HttpClient http = HttpClient.newHttpClient();
    private String admin;

    @BeforeEach
    void start() throws Exception {
        server = CoordinatorServer.start(new CoordinatorConfig("127.0.0.1", 0, data, Duration.ofSeconds(1),
                Duration.ofSeconds(30), 64 * 1024, Duration.ofMillis(100)), InstantSource.system());
        admin = Files.readString(data.resolve("admin.token")).strip();
        // the driver and the browser named outright: Selenium Manager (which would download them) never runs
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/chromium"))
                && Files.isExecutable(Path.of("/usr/bin/chromedriver")), "no /usr/bin/chromium and /usr/bin/chromedriver:"
                + " scripts/setup-host --all installs them (Debian: chromium, chromium-driver; Ubuntu: the chromium snap)");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions().setBinary("/usr/bin/chromium")
                .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                        "--window-size=1366,900", "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync");
        browser = new ChromeDriver(service, options);
        Files.createDirectories(SHOTS);
    }

    @AfterEach
    void stop() throws Exception {
        if (browser != null) {
            browser.quit();
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
        login(admin);
        text(By.id("nodes-online"), "0");
        shot("1-overview-empty");
        node = new ScriptedHearthNode(token, 2, false);
        node.connect(server.port());
        text(By.id("nodes-online"), "1");
        shot("2-overview");
        go("#/nodes");
        text(By.id("nodes-table"), node.nodeId());
        shot("3-nodes");
        go("#/nodes/" + node.nodeId());
        text(By.cssSelector("#view h1"), "Node " + node.nodeId());
        shot("4-node");

        // Bob's job, submitted through the API, runs too: it must never show on Alice's pages.
        String bobsJob = Json.mapper().readTree(call(bob, "POST", "/v1/jobs", "{\"command\":[\"ok\"]}").body())
                .get("id").asText();
        logout();

        // Alice submits a job from the page and watches it reach its verdict, then reads the receipt.
        login(alice);
        go("#/jobs");
        text(By.cssSelector("#view h1"), "Jobs");
        browser.findElement(By.cssSelector("#submit-box summary")).click();
        var doc = browser.findElement(By.id("submit-doc"));
        doc.clear();
        doc.sendKeys("{\"command\":[\"ok\"],\"secrets\":{\"API_TOKEN\":\"s3cr3t-value\"}}");
        browser.findElement(By.id("submit-job")).click();
        wait(30).until(ExpectedConditions.presenceOfElementLocated(By.id("job-id")));
        String jobId = browser.findElement(By.id("job-id")).getText();
        text(By.id("verdict-outcome"), "passed");
        text(By.id("job-state"), "completed");
        text(By.id("receipt"), "signature");
        text(By.id("checks"), "signature");
        assertThat(browser.findElement(By.id("placements")).getText()).contains(node.nodeId());
        assertThat(browser.getPageSource()).as("a secret's value is never shown").contains("API_TOKEN")
                .doesNotContain("s3cr3t-value");
        shot("5-job");

        go("#/jobs");
        text(By.id("jobs-table"), jobId.substring(0, 8));
        assertThat(browser.findElement(By.id("jobs-table")).getText()).doesNotContain(bobsJob.substring(0, 8));
        shot("6-jobs");
        go("#/jobs/" + bobsJob);
        text(By.cssSelector("#view [role=alert]"), "belongs to another client");
        go("#/overview");
        text(By.id("jobs-completed"), "1"); // Alice's own: Bob's completed job is not counted
        shot("9-overview-client");
        // Alice's instance on the node: its page shows the tail of its log, read from the node's agent
        node.answerInstanceLogsWith("gateway listening on 18789\n");
        assertThat(call(alice, "POST", "/v1/nodes/" + node.nodeId() + "/instances",
                "{\"id\":\"bot-1\",\"telegramToken\":\"123456:ABC-def\"}").statusCode()).isEqualTo(201);
        go("#/instances");
        text(By.cssSelector("#view h1"), "Instances");
        text(By.id("instances-table"), "bot-1");
        shot("7-instances");
        browser.findElement(By.linkText("bot-1")).click();
        text(By.id("instance-logs"), "gateway listening on 18789");
        assertThat(browser.getPageSource()).doesNotContain("ABC-def");
        shot("7b-instance");
        go("#/ledger");
        text(By.id("balances"), "client:alice");
        shot("8-ledger");

        // The key is in no URL, no cookie a script can read, and no browser storage.
        var js = (org.openqa.selenium.JavascriptExecutor) browser;
        assertThat(browser.getCurrentUrl()).doesNotContain(alice);
        assertThat((String) js.executeScript("return document.cookie")).doesNotContain(DashboardSessions.COOKIE);
        assertThat((Long) js.executeScript("return localStorage.length + sessionStorage.length")).isZero();
    }

    private void login(String key) {
        browser.get("http://127.0.0.1:" + server.port() + "/dashboard/");
        // by keyboard: the key typed into the focused field, Enter submits
        wait(10).until(ExpectedConditions.visibilityOfElementLocated(By.id("login-key")));
        wait(10).until(d -> "login-key".equals(d.switchTo().activeElement().getAttribute("id")));
        browser.switchTo().activeElement().sendKeys(key, org.openqa.selenium.Keys.ENTER);
        wait(10).until(ExpectedConditions.visibilityOfElementLocated(By.id("logout")));
    }

    private void logout() {
        browser.findElement(By.id("logout")).click();
        wait(10).until(ExpectedConditions.visibilityOfElementLocated(By.id("login-key")));
    }

    private void go(String hash) {
        browser.get("http://127.0.0.1:" + server.port() + "/dashboard/" + hash);
    }

    /** Waits for {@code where} to show {@code expected}; on a timeout the failure shows what the page showed. */
    private void text(By where, String expected) {
        try {
            wait(30).until(d -> {
                try {
                    return d.findElement(where).getText().contains(expected);
                } catch (org.openqa.selenium.NoSuchElementException
                        | org.openqa.selenium.StaleElementReferenceException e) {
                    return false;
                }
            });
        } catch (org.openqa.selenium.TimeoutException e) {
            throw new AssertionError("the page never showed '" + expected + "' in " + where + "; at "
                    + browser.getCurrentUrl() + " it shows:\n" + browser.findElement(By.tagName("body")).getText(), e);
        }
    }

    private WebDriverWait wait(int seconds) {
        return new WebDriverWait(browser, Duration.ofSeconds(seconds));
    }

    private void shot(String name) throws Exception {
        File f = ((ChromeDriver) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(f.toPath(), SHOTS.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
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
