package io.portcullis.quarantine;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A hostile sender's virus, held, met its recipient in the digest with a "Release" link beside a
 * subject the sender wrote ("your invoice: release to read it"), and one click delivered the
 * attachment. A virus hold (any step's reason in category virus) is listed in the digest without
 * links, and the public release page refuses a link for it whoever minted it (403, the link not
 * spent); the administrator still releases it.
 */
class VirusHoldIsReleasedByAnAdministratorOnlyTest {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @Test
    void aVirusHoldHasNoSelfServiceRelease() throws Exception {
        try (TestGateway gateway = TestGateway.startYaml(QuarantineStoreTest.yaml("""
                admin:
                  bind: 127.0.0.1:0
                  token: %s
                quarantine:
                  digest:
                    base-url: https://quarantine.example.test
                """.formatted(QuarantineReviewTest.TOKEN)))) {
            String virus = hold(gateway, "Subject: your invoice: release to read it\r\n\r\nTEST-VIRUS\r\n",
                    "header-check: spam: bulk mailer | body-check: virus: test signature");
            assertThat(DigestFloodCannotHideAHeldMessageTest.digest(gateway.dataDirectory())).contains("queued 1 digests");
            Eventually.await(Duration.ofSeconds(30), "the digest delivered", () -> QuarantineStoreTest.dropped(gateway).size() == 1);
            String mail = Files.readString(QuarantineStoreTest.dropped(gateway).getFirst());
            assertThat(mail).contains("Subject: your invoice: release to read it", "only your administrator can release it")
                    .doesNotContain("/quarantine/release?token=");

            String path = Json.MAPPER.readTree(call(gateway, "GET", "/api/quarantine/" + virus + "/link?recipient=user@example.test",
                    QuarantineReviewTest.TOKEN).body()).path("path").asText();
            assertThat(call(gateway, "GET", path, null).statusCode()).isEqualTo(403);
            HttpResponse<String> post = call(gateway, "POST", path, null);
            assertThat(post.statusCode()).as(post.body()).isEqualTo(403);
            assertThat(gateway.quarantine().entry(virus).held()).containsExactly("user@example.test");

            assertThat(call(gateway, "POST", "/api/quarantine/" + virus + "/release", QuarantineReviewTest.TOKEN).statusCode())
                    .isEqualTo(200);
            Eventually.await(Duration.ofSeconds(30), "released by the administrator", () -> QuarantineStoreTest.dropped(gateway).size() == 2);
        }
    }

    private HttpResponse<String> call(TestGateway gateway, String method, String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminAddress().getPort()
                + path)).timeout(Duration.ofSeconds(30)).method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String hold(TestGateway gateway, String content, String reason) throws Exception {
        try (IncomingMessage message = gateway.spool().create()) {
            message.content().write(content.getBytes(StandardCharsets.UTF_8));
            message.commit(new Envelope(Envelope.CURRENT_VERSION, message.id(), "inbound", "inbound", Instant.now(),
                    new Envelope.Client("127.0.0.1", 40000, "client.test", "ESMTP", null, null, null), "bad@remote.test", null,
                    "7BIT", false, null, null, List.of(new Envelope.Recipient("user@example.test", List.of(), null)),
                    message.size(), null, reason));
            return message.id();
        }
    }
}
