package io.portcullis.quarantine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.spool.Json;
import io.portcullis.testing.Eventually;
import io.portcullis.testing.MutableClock;
import io.portcullis.testing.TestGateway;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Signed self-service release links, followed with a real HTTP client and no admin token: GET
 * only shows a confirmation (nothing is released by a link scanner's fetch), POST releases to the
 * link's one recipient, once; a second use, an altered token and an expired one are refused, and
 * a used link stays used across a restart.
 */
class ReleaseLinkTest {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private HttpResponse<String> call(TestGateway gateway, String method, String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminAddress().getPort()
                + path)).timeout(Duration.ofSeconds(30)).method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String link(TestGateway gateway, String id, String recipient) throws Exception {
        HttpResponse<String> response = call(gateway, "GET", "/api/quarantine/" + id + "/link?recipient=" + recipient,
                QuarantineReviewTest.TOKEN);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = Json.MAPPER.readTree(response.body());
        return body.path("path").asText();
    }

    @Test
    void aLinkReleasesToItsRecipientOnceAndNeitherAlteredNorExpiredOnesWork() throws Exception {
        MutableClock clock = new MutableClock();
        try (TestGateway gateway = TestGateway.startYaml(QuarantineStoreTest.yaml("admin:\n  bind: 127.0.0.1:0\n  token: "
                + QuarantineReviewTest.TOKEN + "\n"), clock)) {
            String id = QuarantineStoreTest.send(gateway, "X-Mailer: BulkBlaster 3\r\nSubject: <script>alert(1)</script>\r\n\r\nhi\r\n",
                    "a@example.test", "b@example.test");
            String forA = link(gateway, id, "a@example.test");
            String forB = link(gateway, id, "b@example.test");
            assertThat(call(gateway, "GET", "/api/quarantine/" + id + "/link?recipient=c@example.test",
                    QuarantineReviewTest.TOKEN).statusCode()).isEqualTo(400);

            HttpResponse<String> confirm = call(gateway, "GET", forA, null);
            assertThat(confirm.statusCode()).isEqualTo(200);
            assertThat(confirm.body()).contains("Release this message to <b>a@example.test</b>", "&lt;script&gt;alert(1)",
                    "<form method=\"post\"").doesNotContain("<script>");
            assertThat(confirm.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(v -> assertThat(v)
                    .contains("default-src 'none'"));
            assertThat(gateway.quarantine().entry(id).held()).contains("a@example.test"); // a GET releases nothing

            HttpResponse<String> released = call(gateway, "POST", forA, null);
            assertThat(released.statusCode()).isEqualTo(200);
            assertThat(released.body()).contains("Released");
            Eventually.await(Duration.ofSeconds(30), "a's copy delivered", () -> QuarantineStoreTest.dropped(gateway).size() == 1);
            assertThat(gateway.quarantine().entry(id).recipients()).containsEntry("a@example.test", "released")
                    .containsEntry("b@example.test", "held");
            HttpResponse<String> again = call(gateway, "POST", forA, null);
            assertThat(again.statusCode()).isEqualTo(410);
            assertThat(again.body()).contains("already been used");

            String altered = forB.substring(0, forB.length() - 3) + (forB.endsWith("AAA") ? "BBB" : "AAA");
            assertThat(call(gateway, "POST", altered, null).statusCode()).isEqualTo(404);
            String otherEntry = forB.replace(forB.substring(forB.indexOf('=') + 1, forB.indexOf('=') + 5), "AAAA");
            assertThat(call(gateway, "POST", otherEntry, null).statusCode()).isEqualTo(404);
            assertThat(call(gateway, "POST", "/quarantine/release", null).statusCode()).isEqualTo(404);

            clock.advance(Duration.ofDays(3).plusMinutes(1));
            HttpResponse<String> expired = call(gateway, "POST", forB, null);
            assertThat(expired.statusCode()).isEqualTo(410);
            assertThat(expired.body()).contains("expired");
            assertThat(gateway.quarantine().entry(id).held()).containsExactly("b@example.test");

            gateway.restart();
            clock.advance(Duration.ofMinutes(-2)); // a's link is within its validity again: only "used" refuses it
            HttpResponse<String> afterRestart = call(gateway, "POST", forA, null);
            assertThat(afterRestart.statusCode()).isEqualTo(410);
            Thread.sleep(300);
            assertThat(QuarantineStoreTest.dropped(gateway)).hasSize(1); // delivered once
            assertThat(gateway.quarantine().audit().read()).extracting(AuditLog.Action::actor)
                    .containsExactly("release-link a@example.test");
        }
    }
}
