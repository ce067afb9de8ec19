package io.portcullis.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.app.Gateway;
import io.portcullis.config.ConfigLoader;
import io.portcullis.delivery.QueueService;
import io.portcullis.testing.ExternalProgram;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.SmtpSink;
import io.portcullis.testing.TestGateway;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real browser: Debian's headless Chromium driven by Selenium through Debian's
 * chromedriver (nothing downloaded). After 30 inbound and 20 outbound messages it shows 30 and 20,
 * performs a queue action, searches the tracking log, and leaves a screenshot in
 * target/dashboard.png.
 */
class DashboardBrowserTest {
    private static final String TOKEN = "dashboard-test-token-42";
    @TempDir
    Path directory;

    @Test
    void dashboardShowsTheTrafficAndHoldsAQueuedMessage() throws Exception {
        String chromedriver = ExternalProgram.require("chromedriver", "chromium-driver");
        String chromium = ExternalProgram.require("chromium", "chromium");
        int deadPort = SmtpSink.freePort();
        String yaml = TestGateway.deliveringYaml("""
                domains: [example.test]
                connectors:
                  - {name: internal, type: drop, folder: drop/inbound}
                  - {name: internet, type: smarthost, hosts: ["127.0.0.1:%d"], tls: none}
                routes:
                  - {domains: [example.test], connector: internal}
                  - {domains: ["*"], connector: internet, flows: [outbound, local]}
                delivery:
                  retry: [1h]
                admin:
                  bind: 127.0.0.1:0
                  token: %s
                """.formatted(deadPort, TOKEN));
        Path config = Files.writeString(directory.resolve("gateway.yaml"), yaml);
        try (Gateway gateway = Gateway.start(ConfigLoader.load(config), directory.resolve("data"))) {
            try (SmtpScript smtp = SmtpScript.connect(gateway.listener("inbound").boundAddresses().getFirst().getPort())) {
                smtp.expect("220").send("EHLO mx.example.org").expect("250 ");
                for (int i = 0; i < 30; i++) {
                    smtp.sendMessage("someone@example.org", "b@example.test", "Subject: in " + i + "\r\n\r\nx\r\n");
                }
                smtp.send("MAIL FROM:<someone@example.org>").expect("250 2.1.0");
                smtp.send("RCPT TO:<victim@example.org>").expect("554 5.7.1");
            }
            try (SmtpScript smtp = SmtpScript.connect(gateway.listener("outbound").boundAddresses().getFirst().getPort())) {
                smtp.expect("220").send("EHLO exchange.internal").expect("250 ");
                for (int i = 0; i < 20; i++) {
                    smtp.sendMessage("c@example.test", "partner@example.org", "Subject: out " + i + "\r\n\r\nx\r\n");
                }
            }

            ChromeOptions options = new ChromeOptions();
            options.setBinary(chromium);
            options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--window-size=1400,2000", "--user-data-dir=" + directory.resolve("chromium"));
            ChromeDriverService service = new ChromeDriverService.Builder()
                    .usingDriverExecutable(new File(chromedriver)).usingAnyFreePort().build();
            WebDriver browser = new ChromeDriver(service, options);
            try {
                WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20));
                wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class); // the page re-renders every 2 s
                browser.get("http://127.0.0.1:" + gateway.adminAddress().getPort() + "/");
                wait.until(d -> d.findElement(By.id("login")).isDisplayed());
                browser.findElement(By.id("token")).sendKeys(TOKEN);
                browser.findElement(By.cssSelector("#login-form button")).click();
                wait.until(d -> text(d, "flow-inbound-received").equals("30") && text(d, "flow-outbound-received").equals("20"));
                wait.until(d -> !d.findElements(By.cssSelector("#volume canvas")).isEmpty());
                wait.until(d -> d.findElements(By.cssSelector("#queue tbody tr")).size() == 20);
                assertThat(browser.findElement(By.id("rejects")).isDisplayed()).isTrue();

                // The table is redrawn every two seconds, so every lookup is fresh and a stale one is retried.
                String id = wait.until(d -> d.findElements(By.cssSelector("#queue tbody tr")).getFirst().getDomAttribute("id"))
                        .substring("queue-".length());
                wait.until(d -> {
                    try {
                        d.findElement(By.cssSelector("#queue-" + id + " button[data-action=hold]")).click();
                        return true;
                    } catch (org.openqa.selenium.StaleElementReferenceException e) {
                        return false;
                    }
                });
                wait.until(d -> {
                    try {
                        return d.findElement(By.cssSelector("#queue-" + id + " .state")).getText().equals("held");
                    } catch (org.openqa.selenium.StaleElementReferenceException | org.openqa.selenium.NoSuchElementException e) {
                        return false;
                    }
                });
                assertThat(new QueueService(gateway.scheduler()).list(e -> e.id().equals(id)).getFirst().held()).isTrue();

                browser.findElement(By.cssSelector("#track-form input[name=sender]")).sendKeys("someone@example.org");
                browser.findElement(By.cssSelector("#track-form button")).click();
                wait.until(d -> d.findElements(By.cssSelector("#track-results .timeline")).size() == 30);
                assertThat(browser.findElement(By.id("track-results")).getText()).contains("RECEIVE", "DELIVER", "REJECT");

                Path screenshot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath();
                Files.createDirectories(Path.of("target"));
                Files.copy(screenshot, Path.of("target/dashboard.png"), StandardCopyOption.REPLACE_EXISTING);
            } catch (RuntimeException | AssertionError e) {
                Files.createDirectories(Path.of("target"));
                Files.copy(((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath(),
                        Path.of("target/dashboard-failure.png"), StandardCopyOption.REPLACE_EXISTING);
                Files.writeString(Path.of("target/dashboard-failure.html"), browser.getPageSource());
                throw e;
            } finally {
                browser.quit();
            }
        }
    }

    private static String text(WebDriver browser, String id) {
        return browser.findElements(By.id(id)).isEmpty() ? "" : browser.findElement(By.id(id)).getText();
    }
}
