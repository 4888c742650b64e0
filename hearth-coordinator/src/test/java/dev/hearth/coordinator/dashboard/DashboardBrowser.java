// SPDX-License-Identifier: Apache-2.0
package dev.hearth.coordinator.dashboard;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A real headless Chromium (Debian's {@code /usr/bin/chromium} driven by its {@code /usr/bin/chromedriver}, both
 * named outright so Selenium Manager never downloads anything) pointed at one coordinator's dashboard, with the
 * steps the dashboard's browser tests share: log in by keyboard, go to a page, wait for text, take a screenshot.
 * Shared with hearth-agent's tests through this module's test-jar. The test is skipped (an assumption, naming what
 * is missing) where the browser or its driver is absent. Not thread-safe: one test thread drives it.
 */
public final class DashboardBrowser implements AutoCloseable {

    private final ChromeDriver browser;
    private final String base;
    private final Path shots;

    /**
     * Starts the browser for the dashboard of the coordinator on {@code port}; screenshots go to {@code shots}.
     *
     * @param port the coordinator's HTTP port on 127.0.0.1
     * @param shots the folder for screenshots (created; under target/, never committed)
     * @throws Exception when the folder cannot be made or the browser cannot start
     */
    public DashboardBrowser(int port, Path shots) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/chromium")) && Files.isExecutable(Path.of("/usr/bin/chromedriver")),
                "no /usr/bin/chromium and /usr/bin/chromedriver: scripts/setup-host --all installs them"
                        + " (Debian: chromium, chromium-driver; Ubuntu: the chromium snap)");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions().setBinary("/usr/bin/chromium")
                .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                        "--window-size=1366,900", "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync");
        Files.createDirectories(shots);
        this.browser = new ChromeDriver(service, options);
        this.base = "http://127.0.0.1:" + port + "/dashboard/";
        this.shots = shots;
    }

    /** The Selenium driver, for steps this class does not name. */
    public ChromeDriver driver() {
        return browser;
    }

    /** Opens the dashboard and logs in with {@code key}, typed into the focused field and sent with Enter. */
    public void login(String key) {
        browser.get(base);
        wait(10).until(ExpectedConditions.visibilityOfElementLocated(By.id("login-key")));
        wait(10).until(d -> "login-key".equals(d.switchTo().activeElement().getAttribute("id")));
        browser.switchTo().activeElement().sendKeys(key, Keys.ENTER);
        wait(10).until(ExpectedConditions.visibilityOfElementLocated(By.id("logout")));
    }

    /** Logs out and waits for the login form. */
    public void logout() {
        browser.findElement(By.id("logout")).click();
        wait(10).until(ExpectedConditions.visibilityOfElementLocated(By.id("login-key")));
    }

    /** Loads the dashboard at {@code hash} (such as {@code #/jobs}). */
    public void go(String hash) {
        browser.get(base + hash);
    }

    /**
     * Waits up to 30 s for {@code where} to show {@code expected}; on a timeout the failure shows what the page showed.
     *
     * @throws AssertionError when the text never shows
     */
    public void text(By where, String expected) {
        try {
            wait(30).until(d -> {
                try {
                    return d.findElement(where).getText().contains(expected);
                } catch (NoSuchElementException | StaleElementReferenceException e) {
                    return false;
                }
            });
        } catch (TimeoutException e) {
            throw new AssertionError("the page never showed '" + expected + "' in " + where + "; at "
                    + browser.getCurrentUrl() + " it shows:\n" + browser.findElement(By.tagName("body")).getText(), e);
        }
    }

    /**
     * The text {@code where} shows once it shows any, read again when the page re-rendered the element between
     * finding and reading it (the job page refreshes while the job runs); waits up to 30 s.
     */
    public String read(By where) {
        return wait(30).until(d -> {
            try {
                String t = d.findElement(where).getText();
                return t.isBlank() ? null : t;
            } catch (NoSuchElementException | StaleElementReferenceException e) {
                return null;
            }
        });
    }

    /** A wait of {@code seconds} on this browser. */
    public WebDriverWait wait(int seconds) {
        return new WebDriverWait(browser, Duration.ofSeconds(seconds));
    }

    /** Runs {@code script} in the page and returns what it returns. */
    public Object script(String script) {
        return ((JavascriptExecutor) browser).executeScript(script);
    }

    /** Saves a screenshot of the page as {@code name}.png in the screenshot folder. */
    public void shot(String name) throws Exception {
        File f = browser.getScreenshotAs(OutputType.FILE);
        Files.copy(f.toPath(), shots.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public void close() {
        browser.quit();
    }
}
