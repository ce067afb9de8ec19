package io.portcullis.quarantine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.spool.Envelope;
import io.portcullis.spool.IncomingMessage;
import io.portcullis.spool.Json;
import io.portcullis.testing.Eventually;
import io.portcullis.testing.TestGateway;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Review and actions over the admin API (a real HTTP client) and the CLI (over the control
 * socket): filters and paging, the safe preview of a hostile HTML message, the raw download,
 * release of selected recipients, and bulk delete of 1,000 entries from each, with the count and
 * the audit log.
 */
class QuarantineReviewTest {
    static final String TOKEN = "quarantine-test-token-0123456789";
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    static TestGateway start() throws Exception {
        return TestGateway.startYaml(QuarantineStoreTest.yaml("admin:\n  bind: 127.0.0.1:0\n  token: " + TOKEN + "\n"));
    }

    HttpResponse<String> call(TestGateway gateway, String method, String pathAndQuery, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminAddress().getPort()
                + pathAndQuery)).timeout(Duration.ofSeconds(60)).method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    JsonNode json(TestGateway gateway, String method, String pathAndQuery, int status) throws Exception {
        HttpResponse<String> response = call(gateway, method, pathAndQuery, TOKEN);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        return Json.MAPPER.readTree(response.body());
    }

    /** Holds a message the way a session does: written to the spool, committed with a quarantine reason. */
    static String hold(TestGateway gateway, String sender, String recipient, String content) throws Exception {
        try (IncomingMessage message = gateway.spool().create()) {
            message.content().write(content.getBytes(StandardCharsets.UTF_8));
            message.commit(new Envelope(Envelope.CURRENT_VERSION, message.id(), "inbound", "inbound", Instant.now(),
                    new Envelope.Client("127.0.0.1", 40000, "client.test", "ESMTP", null, null, null), sender, null, "7BIT",
                    false, null, null, List.of(new Envelope.Recipient(recipient, List.of(), null)), message.size(), null,
                    "header-check: bulk mailer"));
            return message.id();
        }
    }

    @Test
    void bulkDeleteOfAThousandFromTheCliAndTheApiReportsTheCount() throws Exception {
        try (TestGateway gateway = start()) {
            for (int i = 0; i < 1000; i++) {
                hold(gateway, "bulk@remote.test", "a@example.test", "Subject: offer " + i + "\r\n\r\nbuy\r\n");
                hold(gateway, "bulk@remote.test", "b@example.test", "Subject: offer " + i + "\r\n\r\nbuy\r\n");
            }
            String kept = QuarantineStoreTest.send(gateway, QuarantineStoreTest.BULK, "keep@example.test");
            assertThat(gateway.queued()).isEmpty();
            assertThat(gateway.metrics()).contains("portcullis_quarantine_messages{reason=\"header-check\"} 2001.0");

            Cli cli = new Cli(gateway.dataDirectory());
            assertThat(cli.run("delete")).isEqualTo(2); // neither an id nor a filter: refused, nothing deleted
            assertThat(cli.run("delete", "--recipient", "a@example.test")).as(cli.err()).isZero();
            assertThat(cli.out()).contains("deleted 1000 messages");

            assertThat(call(gateway, "POST", "/api/quarantine/actions/delete", TOKEN).statusCode()).isEqualTo(400);
            assertThat(call(gateway, "POST", "/api/quarantine/actions/delete?recipient=b%40example.test", null).statusCode())
                    .isEqualTo(401);
            JsonNode deleted = json(gateway, "POST", "/api/quarantine/actions/delete?recipient=b%40example.test", 200);
            assertThat(deleted.path("entries").asInt()).isEqualTo(1000);

            JsonNode left = json(gateway, "GET", "/api/quarantine", 200);
            assertThat(left.path("total").asInt()).isEqualTo(1);
            assertThat(left.path("entries").path(0).path("id").asText()).isEqualTo(kept);
            assertThat(cli.run("list")).isZero();
            assertThat(cli.out()).contains(kept, "-- 1 of 1 held");
            assertThat(gateway.quarantine().audit().read()).filteredOn(a -> a.action().equals("delete-bulk"))
                    .extracting(AuditLog.Action::count, a -> a.actor().split(" ")[0])
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(1000, "cli"),
                            org.assertj.core.groups.Tuple.tuple(1000, "admin-api"));
            assertThat(gateway.metrics()).contains("portcullis_quarantine_messages{reason=\"header-check\"} 1.0");
            // still answering mail, and nothing was released or queued by the deletes
            QuarantineStoreTest.send(gateway, "Subject: hello\r\n\r\nhi\r\n", "user@example.test");
            gateway.awaitEmptyQueue(30);
            assertThat(QuarantineStoreTest.dropped(gateway)).hasSize(1);
        }
    }

    @Test
    void listsWithFiltersAndPagingPreviewsSafelyDownloadsAndReleasesSelectedRecipients() throws Exception {
        try (TestGateway gateway = start()) {
            String hostile = "From: <ceo@remote.test>\r\nSubject: invoice due\r\nMIME-Version: 1.0\r\n"
                    + "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
                    + "<html><head><script>fetch('http://evil.test/x')</script></head><body><p>Please wire the money</p>"
                    + "<img src=\"http://evil.test/pixel.gif\"><form action=\"http://evil.test/post\"><input name=p></form>"
                    + "<a href=\"http://evil.test/\">pay here</a> &amp; thanks</body></html>\r\n"
                    + "--b1\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"invoice.exe\"\r\n"
                    + "Content-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA\r\n--b1--\r\n";
            String fraud = QuarantineStoreTest.send(gateway, hostile, "a@example.test", "b@example.test");
            for (int i = 0; i < 5; i++) {
                QuarantineStoreTest.send(gateway, QuarantineStoreTest.BULK, "user" + i + "@example.test");
            }
            JsonNode all = json(gateway, "GET", "/api/quarantine?limit=4", 200);
            assertThat(all.path("total").asInt()).isEqualTo(6);
            assertThat(all.path("entries").size()).isEqualTo(4);
            assertThat(json(gateway, "GET", "/api/quarantine?limit=4&offset=4", 200).path("entries").size()).isEqualTo(2);
            JsonNode byReason = json(gateway, "GET", "/api/quarantine?reason=body-check&subject=INVOICE&recipient=b%40", 200);
            assertThat(byReason.path("total").asInt()).isEqualTo(1);
            assertThat(byReason.path("entries").path(0).path("id").asText()).isEqualTo(fraud);
            assertThat(json(gateway, "GET", "/api/quarantine?since=2000-01-01&until=2000-01-02", 200).path("total").asInt()).isZero();
            assertThat(json(gateway, "GET", "/api/quarantine?min-score=5", 200).path("total").asInt()).isZero(); // no spam check here
            assertThat(call(gateway, "GET", "/api/quarantine?since=yesterday", TOKEN).statusCode()).isEqualTo(400);
            assertThat(call(gateway, "GET", "/api/quarantine?colour=red", TOKEN).statusCode()).isEqualTo(400);
            assertThat(call(gateway, "GET", "/api/quarantine", null).statusCode()).isEqualTo(401);
            assertThat(call(gateway, "GET", "/api/quarantine/AAAAAAAAAAAA", TOKEN).statusCode()).isEqualTo(404);

            JsonNode preview = json(gateway, "GET", "/api/quarantine/" + fraud + "/preview", 200);
            String text = preview.path("text").asText();
            assertThat(text).contains("Please wire the money", "pay here & thanks").doesNotContain("<", "fetch(", "evil.test");
            assertThat(preview.path("htmlOnly").asBoolean()).isTrue();
            assertThat(preview.path("attachments").path(0).path("name").asText()).isEqualTo("invoice.exe");
            assertThat(preview.path("headers").toString()).contains("invoice due");

            HttpResponse<String> raw = call(gateway, "GET", "/api/quarantine/" + fraud + "/raw", TOKEN);
            assertThat(raw.statusCode()).isEqualTo(200);
            assertThat(raw.headers().firstValue("Content-Type")).hasValue("message/rfc822");
            assertThat(raw.headers().firstValue("Content-Disposition")).hasValue("attachment; filename=\"" + fraud + ".eml\"");
            assertThat(raw.body()).endsWith(hostile).startsWith("Received: ");

            JsonNode released = json(gateway, "POST", "/api/quarantine/" + fraud + "/release?recipients=b%40example.test", 200);
            assertThat(released.path("recipients").asInt()).isEqualTo(1);
            Eventually.await(Duration.ofSeconds(30), "b's copy delivered", () -> QuarantineStoreTest.dropped(gateway).size() == 1);
            JsonNode shown = json(gateway, "GET", "/api/quarantine/" + fraud, 200);
            assertThat(shown.path("entry").path("recipients").path("a@example.test").asText()).isEqualTo("held");
            assertThat(shown.path("entry").path("recipients").path("b@example.test").asText()).isEqualTo("released");
            assertThat(shown.path("journal").path(1).path("actor").asText()).isEqualTo("admin-api 127.0.0.1");

            Cli cli = new Cli(gateway.dataDirectory());
            assertThat(cli.run("preview", fraud)).isZero();
            assertThat(cli.out()).contains("Please wire the money", "[attachment: invoice.exe").doesNotContain("<script");
            assertThat(cli.run("release", "--subject", "deals")).isZero();
            assertThat(cli.out()).contains("released 5 messages");
            Eventually.await(Duration.ofSeconds(30), "six deliveries", () -> QuarantineStoreTest.dropped(gateway).size() == 6);
            assertThat(json(gateway, "GET", "/api/quarantine", 200).path("total").asInt()).isEqualTo(1);
            assertThat(gateway.quarantine().audit().read()).extracting(AuditLog.Action::action)
                    .containsExactly("release", "release-bulk");
        }
    }

    /** The CLI as an administrator runs it, against the gateway's control socket. */
    static final class Cli {
        private final Path data;
        private final java.io.StringWriter out = new java.io.StringWriter();
        private final java.io.StringWriter err = new java.io.StringWriter();

        Cli(Path data) {
            this.data = data;
        }

        int run(String... args) {
            out.getBuffer().setLength(0);
            err.getBuffer().setLength(0);
            java.util.List<String> full = new java.util.ArrayList<>(List.of("quarantine"));
            full.addAll(List.of(args));
            full.addAll(List.of("--data-dir", data.toString()));
            return io.portcullis.app.CliAccess.run(full, new java.io.PrintWriter(out), new java.io.PrintWriter(err));
        }

        String out() {
            return out.toString();
        }

        String err() {
            return err.toString();
        }
    }
}
