package io.portcullis.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.app.Gateway;
import io.portcullis.config.ConfigLoader;
import io.portcullis.testing.ExternalProgram;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.SmtpSink;
import io.portcullis.testing.TestGateway;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard after a restart of the gateway, in headless Chromium: its live counters start
 * again from zero, yet the page opens with the last 24 hours drawn from the hourly reports; the
 * queue of 61 deferred messages is shown 50 at a time and searched by the server; a refusal is
 * found in the tracking search with its HELO, recipient, phase and check. Screenshot in
 * target/dashboard-history.png.
 */
class DashboardHistoryBrowserTest {
    private static final String TOKEN = "dashboard-history-token-7";
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    @TempDir
    Path directory;

    @Test
    void afterARestartThePageShowsHistoryAndPagesAndSearchesTheQueue() throws Exception {
        String chromedriver = ExternalProgram.require("chromedriver", "chromium-driver");
        String chromium = ExternalProgram.require("chromium", "chromium");
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
                """.formatted(SmtpSink.freePort(), TOKEN));
        Path config = Files.writeString(directory.resolve("gateway.yaml"), yaml);
        try (Gateway gateway = Gateway.start(ConfigLoader.load(config), directory.resolve("data"))) {
            try (SmtpScript smtp = SmtpScript.connect(gateway.listener("inbound").boundAddresses().getFirst().getPort())) {
                smtp.expect("220").send("EHLO mx.example.org").expect("250 ");
                for (int i = 0; i < 5; i++) {
                    smtp.sendMessage("someone@example.org", "b@example.test", "Subject: in " + i + "\r\n\r\nx\r\n");
                }
                smtp.send("MAIL FROM:<someone@example.org>").expect("250 2.1.0");
                smtp.send("RCPT TO:<victim@example.org>").expect("554 5.7.1");
            }
            try (SmtpScript smtp = SmtpScript.connect(gateway.listener("outbound").boundAddresses().getFirst().getPort())) {
                smtp.expect("220").send("EHLO exchange.internal").expect("250 ");
                for (int i = 0; i < 60; i++) {
                    smtp.sendMessage("c" + i + "@example.test", "partner@example.org", "Subject: out " + i + "\r\n\r\nx\r\n");
                }
                smtp.sendMessage("needle@example.test", "partner@example.org", "Subject: find me\r\n\r\nx\r\n");
            }
        }

        try (Gateway gateway = Gateway.start(ConfigLoader.load(config), directory.resolve("data"))) {
            String base = "http://127.0.0.1:" + gateway.adminAddress().getPort();
            assertThat(gateway.spool().queuedIds()).hasSize(61);

            // the API: pages and the search, the total in a header, the body the array it always was
            HttpResponse<String> page = get(base + "/api/queue?offset=58&limit=5");
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("X-Total-Count")).hasValue("61");
            assertThat(page.body()).startsWith("[").contains("needle@example.test");
            assertThat(page.body().split("\"id\"", -1)).hasSize(4);
            HttpResponse<String> search = get(base + "/api/queue?q=NEEDLE");
            assertThat(search.headers().firstValue("X-Total-Count")).hasValue("1");
            assertThat(search.body().split("\"id\"", -1)).hasSize(2);
            assertThat(get(base + "/api/queue?limit=-1").statusCode()).isEqualTo(400);
            assertThat(get(base + "/api/queue?limit=1001").statusCode()).isEqualTo(400);
            assertThat(get(base + "/api/queue?offset=x").statusCode()).isEqualTo(400);
            assertThat(get(base + "/api/queue?offset=500&limit=10").body()).isEqualTo("[]");

            WebDriver browser = browser(chromedriver, chromium, directory.resolve("chromium"));
            try {
                WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
                wait.ignoring(StaleElementReferenceException.class).ignoring(NoSuchElementException.class);
                browser.get(base + "/");
                wait.until(d -> d.findElement(By.id("login")).isDisplayed());
                browser.findElement(By.id("token")).sendKeys(TOKEN);
                browser.findElement(By.cssSelector("#login-form button")).click();

                // live counters restarted at zero; the history comes from the reports written before the restart
                wait.until(d -> text(d, "flow-outbound-received").equals("0"));
                wait.until(d -> messages(d, "outbound").equals("61") && messages(d, "inbound").equals("5"));
                assertThat(browser.findElements(By.cssSelector("#history canvas"))).isNotEmpty();
                assertThat(text(browser, "history-summary")).contains("outbound 61 messages", "inbound 5 messages, 1 rejects");
                Object reasons = ((org.openqa.selenium.JavascriptExecutor) browser)
                        .executeScript("return Chart.getChart('rejects').data.labels");
                assertThat(reasons).asList().containsExactly("relay");

                wait.until(d -> rows(d) == 50 && text(d, "queue-count").equals("(1\u201350 of 61)"));
                assertThat(browser.findElement(By.id("queue-previous")).isEnabled()).isFalse();
                browser.findElement(By.id("queue-next")).click();
                wait.until(d -> rows(d) == 11 && text(d, "queue-count").equals("(51\u201361 of 61)"));
                assertThat(browser.findElement(By.id("queue-next")).isEnabled()).isFalse();
                browser.findElement(By.id("queue-search")).sendKeys("needle");
                browser.findElement(By.cssSelector("#queue-search-form button[type=submit]")).click();
                wait.until(d -> rows(d) == 1 && text(d, "queue-count").equals("(1)"));
                assertThat(browser.findElement(By.cssSelector("#queue tbody tr")).getText()).contains("<needle@example.test>");
                browser.findElement(By.id("queue-search")).clear();
                browser.findElement(By.id("queue-search")).sendKeys("nothing-like-this");
                browser.findElement(By.cssSelector("#queue-search-form button[type=submit]")).click();
                wait.until(d -> rows(d) == 0 && d.findElement(By.id("queue-empty")).isDisplayed());
                assertThat(text(browser, "queue-empty")).isEqualTo("No queued message matches.");

                browser.findElement(By.cssSelector("#track-form input[name=sender]")).sendKeys("someone@example.org");
                browser.findElement(By.cssSelector("#track-form button")).click();
                wait.until(d -> d.findElements(By.cssSelector("#track-results .timeline")).size() == 5);
                String refusal = browser.findElement(By.cssSelector("#track-results .ev-REJECT")).getText();
                assertThat(refusal).contains("REJECT", "127.0.0.1", "helo mx.example.org", "<someone@example.org>",
                        "to victim@example.org", "at rcpt by relay", "(relay) 554 5.7.1");

                // a reload of the page: the history is drawn again at once from the reports
                browser.navigate().refresh();
                wait.until(d -> messages(d, "outbound").equals("61"));
                assertThat(browser.findElements(By.cssSelector("#history canvas"))).isNotEmpty();

                Files.createDirectories(Path.of("target"));
                Files.copy(((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath(),
                        Path.of("target/dashboard-history.png"), StandardCopyOption.REPLACE_EXISTING);
            } catch (RuntimeException | AssertionError e) {
                Files.createDirectories(Path.of("target"));
                Files.copy(((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath(),
                        Path.of("target/dashboard-history-failure.png"), StandardCopyOption.REPLACE_EXISTING);
                Files.writeString(Path.of("target/dashboard-history-failure.html"), browser.getPageSource());
                throw e;
            } finally {
                browser.quit();
            }
        }
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + TOKEN).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static WebDriver browser(String chromedriver, String chromium, Path profile) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1400,2400", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(chromedriver)).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    private static int rows(WebDriver browser) {
        return browser.findElements(By.cssSelector("#queue tbody tr")).size();
    }

    private static String messages(WebDriver browser, String flow) {
        List<org.openqa.selenium.WebElement> found = browser.findElements(
                By.cssSelector("#history-summary .history-flow[data-flow='" + flow + "']"));
        return found.isEmpty() ? "" : String.valueOf(found.getFirst().getDomAttribute("data-messages"));
    }

    private static String text(WebDriver browser, String id) {
        return browser.findElements(By.id(id)).isEmpty() ? "" : browser.findElement(By.id(id)).getText();
    }
}
