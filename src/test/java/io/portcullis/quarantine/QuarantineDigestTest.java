package io.portcullis.quarantine;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.app.CliAccess;
import io.portcullis.testing.Eventually;
import io.portcullis.testing.MutableClock;
import io.portcullis.testing.TestGateway;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Issue 16's acceptance through a digest: a held message appears in its recipient's digest (only
 * recipients of the configured domains get one), the digest is delivered by the normal outbound
 * path in the reserved flow, its link, followed with a real HTTP client, releases the message,
 * which is delivered exactly once; the link does not work a second time, nor a fresh one after
 * its expiry.
 */
class QuarantineDigestTest {
    private static final Pattern LINK = Pattern.compile("https://quarantine\\.example\\.test(/quarantine/release\\?token=[A-Za-z0-9_.-]+)");
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private int post(TestGateway gateway, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminAddress().getPort() + path))
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    private static String digest(Path data) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = CliAccess.run(List.of("quarantine", "digest", "--data-dir", data.toString()), new PrintWriter(out), new PrintWriter(err));
        assertThat(code).as(err.toString()).isZero();
        return out.toString();
    }

    private static List<String> delivered(TestGateway gateway) throws Exception {
        List<String> texts = new java.util.ArrayList<>();
        for (Path file : QuarantineStoreTest.dropped(gateway)) {
            texts.add(Files.readString(file));
        }
        return texts;
    }

    @Test
    void heldMessageIsReleasedOnceThroughItsDigestLink() throws Exception {
        MutableClock clock = new MutableClock();
        try (TestGateway gateway = TestGateway.startYaml(QuarantineStoreTest.yaml("""
                admin:
                  bind: 127.0.0.1:0
                  token: %s
                quarantine:
                  digest:
                    base-url: https://quarantine.example.test/
                    domains: [example.test]
                """.formatted(QuarantineReviewTest.TOKEN)), clock)) {
            String id = QuarantineStoreTest.send(gateway, QuarantineStoreTest.BULK, "user@example.test");
            String outside = QuarantineReviewTest.hold(gateway, "bulk@remote.test", "someone@elsewhere.test", "Subject: x\r\n\r\nx\r\n");
            assertThat(digest(gateway.dataDirectory())).contains("queued 1 digests"); // elsewhere.test is not in the list
            Eventually.await(Duration.ofSeconds(30), "the digest delivered", () -> delivered(gateway).size() == 1);
            String mail = delivered(gateway).getFirst();
            assertThat(mail).contains("To: <user@example.test>", "Subject: Quarantine digest: 1 message held for you",
                    "Subject: deals of the day", "Held for: header-check: bulk mailer", "Auto-Submitted: auto-generated");
            assertThat(gateway.metrics()).contains("flow=\"quarantine-digest\"");
            Matcher link = LINK.matcher(mail);
            assertThat(link.find()).as(mail).isTrue();

            assertThat(post(gateway, link.group(1))).isEqualTo(200);
            Eventually.await(Duration.ofSeconds(30), "the released message delivered", () -> delivered(gateway).size() == 2);
            assertThat(delivered(gateway).stream().filter(t -> t.contains("X-Mailer: BulkBlaster"))).hasSize(1);
            assertThat(post(gateway, link.group(1))).isEqualTo(410); // single use
            assertThat(QuarantineStoreTest.dropped(gateway)).hasSize(2);
            assertThat(gateway.quarantine().count(QuarantineFilter.ALL)).isEqualTo(1); // released whole, only outside left
            assertThat(gateway.quarantine().entry(outside).held()).containsExactly("someone@elsewhere.test");

            // a second held message, a fresh digest, and its link tried after the expiry
            String late = QuarantineStoreTest.send(gateway, QuarantineStoreTest.BULK.replace("deals", "more deals"), "user@example.test");
            digest(gateway.dataDirectory());
            Eventually.await(Duration.ofSeconds(30), "the second digest delivered", () -> delivered(gateway).size() == 3);
            String second = delivered(gateway).stream().filter(t -> t.contains("more deals of the day") && t.contains("Quarantine digest"))
                    .findFirst().orElseThrow();
            Matcher lateLink = LINK.matcher(second.substring(second.indexOf("more deals")));
            assertThat(lateLink.find()).isTrue();
            clock.advance(Duration.ofDays(3).plusSeconds(1));
            assertThat(post(gateway, lateLink.group(1))).isEqualTo(410);
            assertThat(gateway.quarantine().entry(late).held()).containsExactly("user@example.test");
            Thread.sleep(300);
            assertThat(delivered(gateway)).hasSize(3);
        }
    }
}
