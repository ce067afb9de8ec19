package io.portcullis.quarantine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.spool.Json;
import io.portcullis.testing.TestGateway;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A hostile sender names an attachment {@code invoice<U+202E>fdp.exe}: shown as text (as the
 * dashboard does), the right-to-left override makes it read "invoiceexe.pdf", and the admin
 * releases an executable taking it for a PDF. The listing and the preview give the names,
 * subjects and header values with the bidirectional controls and line separators replaced by a
 * visible U+FFFD.
 */
class HeldTextCannotReorderWhatTheAdminReadsTest {
    @Test
    void attachmentNamesSubjectsAndHeadersLoseTheirBidiControls() throws Exception {
        try (TestGateway gateway = TestGateway.startYaml(QuarantineStoreTest.yaml("admin:\n  bind: 127.0.0.1:0\n  token: "
                + QuarantineReviewTest.TOKEN + "\n"))) {
            String id = QuarantineReviewTest.hold(gateway, "bad@remote.test", "user@example.test", """
                    Subject: invoice \u2067due\u2069 \u202Efdp.exe\r
                    X-Note: a\u2028b\r
                    MIME-Version: 1.0\r
                    Content-Type: multipart/mixed; boundary="b"\r
                    \r
                    --b\r
                    Content-Type: text/plain\r
                    \r
                    see attached\r
                    --b\r
                    Content-Type: application/octet-stream; name="invoice\u202Efdp.exe"\r
                    Content-Disposition: attachment; filename="invoice\u202Efdp.exe"\r
                    \r
                    MZ\r
                    --b--\r
                    """);
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            String base = "http://127.0.0.1:" + gateway.adminAddress().getPort() + "/api/quarantine";
            String preview = get(http, base + "/" + id + "/preview");
            String listing = get(http, base);
            JsonNode attachment = Json.MAPPER.readTree(preview).path("attachments").get(0);
            assertThat(attachment.path("name").asText()).isEqualTo("invoice\uFFFDfdp.exe");
            assertThat(Json.MAPPER.readTree(listing).path("entries").get(0).path("subject").asText())
                    .isEqualTo("invoice \uFFFDdue\uFFFD \uFFFDfdp.exe");
            assertThat(preview).contains("a\uFFFDb");
            assertThat((preview + listing).codePoints().filter(c -> (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069)
                    || c == 0x2028)).isEmpty();
        }
    }

    private static String get(HttpClient http, String url) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + QuarantineReviewTest.TOKEN).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.body();
    }
}
