package io.portcullis.quarantine;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.Eventually;
import io.portcullis.testing.MutableClock;
import io.portcullis.testing.SmtpSink;
import io.portcullis.testing.TestGateway;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Issue 16's digest acceptance, on a schedule: digests go out at {@code digest.at} (the gateway's
 * clock, moved by the test, not waited for), through the normal outbound path to a real
 * smtp-sink; each lists only what was held since that recipient's last digest. Its release link,
 * followed with a real HTTP client, delivers the message to the sink exactly once; a second use
 * and an expired link get 410; the "release and always allow" link also allows the sender.
 */
class ScheduledDigestDeliveryTest {
    private static String yaml(int sinkPort) throws Exception {
        return DigestSink.yaml(sinkPort, "rules") + """
                checks:
                  - name: rules
                    type: rules
                    header-checks:
                      - pattern: "^X-Mailer: BulkBlaster"
                        action: quarantine
                        text: "spam: bulk mailer"
                admin:
                  bind: 127.0.0.1:0
                  token: %s
                quarantine:
                  digest:
                    base-url: https://quarantine.example.test
                    at: "08:00"
                    zone: Europe/Berlin
                    domains: [example.test]
                """.formatted(QuarantineReviewTest.TOKEN);
    }

    private static String spam(String subject) {
        return "X-Mailer: BulkBlaster 3\r\nSubject: " + subject + "\r\n\r\nbuy now\r\n";
    }

    @Test
    void digestsGoOutAtTheirTimeWithOnlyNewEntriesAndTheirLinksReleaseOnce() throws Exception {
        // 07:59:30 in Berlin (UTC+1 in December)
        MutableClock clock = new MutableClock(Instant.parse("2026-12-01T06:59:30Z"));
        try (SmtpSink sink = SmtpSink.start(0); TestGateway gateway = TestGateway.startYaml(yaml(sink.port()), clock)) {
            String first = QuarantineStoreTest.send(gateway, spam("first offer"), "user@example.test");
            String second = QuarantineStoreTest.send(gateway, spam("second offer"), "user@example.test");
            Eventually.never(Duration.ofSeconds(2), "a digest before 08:00", () -> !sink.transactions().isEmpty());

            clock.advance(Duration.ofMinutes(1)); // 08:00:30
            Eventually.await(Duration.ofSeconds(30), "the 08:00 digest at the sink", () -> DigestSink.digests(sink).size() == 1);
            String digest = DigestSink.digests(sink).getFirst();
            assertThat(digest).contains("To: <user@example.test>", "Subject: Quarantine digest: 2 messages held for you",
                    "Subject: first offer", "Subject: second offer", "Held for: header-check: spam: bulk mailer");

            String releaseFirst = DigestSink.link(DigestSink.RELEASE, digest, "first offer");
            assertThat(DigestSink.post(gateway, releaseFirst)).isEqualTo(200);
            Eventually.await(Duration.ofSeconds(30), "the released message at the sink", () -> sink.transactions().size() == 2);
            assertThat(DigestSink.post(gateway, releaseFirst)).isEqualTo(410); // single use
            assertThat(sink.transactions().stream().filter(t -> t.contains("Subject: first offer") && t.contains("buy now")))
                    .hasSize(1);
            assertThat(gateway.quarantine().count(QuarantineFilter.ALL)).isEqualTo(1);

            // the next day: only the newly held message is listed, not the one still held from yesterday
            String third = QuarantineStoreTest.send(gateway, spam("third offer"), "user@example.test");
            clock.advance(Duration.ofDays(1));
            Eventually.await(Duration.ofSeconds(30), "the next day's digest", () -> DigestSink.digests(sink).size() == 2);
            String next = DigestSink.digests(sink).stream().filter(t -> !t.equals(digest)).findFirst().orElseThrow();
            assertThat(next).contains("Subject: Quarantine digest: 1 message held for you", "Subject: third offer")
                    .doesNotContain("second offer");
            assertThat(DigestSink.post(gateway, DigestSink.link(DigestSink.ALLOW, next, "third offer"))).isEqualTo(200);
            Eventually.await(Duration.ofSeconds(30), "the third at the sink", () -> sink.transactions().size() == 4);
            assertThat(gateway.quarantine().allowList().allows("user@example.test", "sender@remote.test")).isTrue();

            // three days on, the second's link from the first digest has expired; no new digest either
            clock.advance(Duration.ofDays(3));
            assertThat(DigestSink.post(gateway, DigestSink.link(DigestSink.RELEASE, digest, "second offer"))).isEqualTo(410);
            assertThat(gateway.quarantine().entry(second).held()).containsExactly("user@example.test");
            Eventually.never(Duration.ofSeconds(2), "a digest with nothing new", () -> sink.transactions().size() > 4);
            assertThat(first).isNotEqualTo(third);
        }
    }
}
