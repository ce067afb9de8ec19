package io.portcullis.quarantine;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.Closing;
import io.portcullis.testing.Eventually;
import io.portcullis.testing.MutableClock;
import io.portcullis.testing.ScannerDaemon;
import io.portcullis.testing.SmtpSink;
import io.portcullis.testing.TestGateway;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 16's acceptance with Debian's SpamAssassin and a real smtp-sink: spamd marks GTUBE
 * (X-Spam-Flag, its score) and the rules step after it holds what is marked under the category
 * {@code spam}; the entry carries spamd's score and is found by a score filter; the next digest
 * (at {@code digest.at} on the gateway's clock, moved by the test) reaches the sink through the
 * normal outbound path; its release link, followed with a real HTTP client, delivers GTUBE to the
 * sink exactly once; the link does not work a second time, and a link from a later digest does
 * not work after its expiry.
 */
class QuarantineSpamdTest {
    static final String GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";
    private static String yaml(String spamd, int sinkPort) throws Exception {
        return DigestSink.yaml(sinkPort, "spamd, spam-quarantine") + """
                checks:
                  - name: spamd
                    type: spamd
                    address: %s
                    timeout: 60s
                    mark-score: 5
                    reject-score: 5000
                  - name: spam-quarantine
                    type: rules
                    header-checks:
                      - pattern: "^X-Spam-Flag: YES"
                        action: quarantine
                        text: "spam: marked by SpamAssassin"
                admin:
                  bind: 127.0.0.1:0
                  token: %s
                quarantine:
                  link-validity: 3d
                  digest:
                    base-url: https://quarantine.example.test
                    at: "08:00"
                    zone: UTC
                """.formatted(spamd, QuarantineReviewTest.TOKEN);
    }

    private static String gtube(String subject) {
        return "From: <sender@remote.test>\r\nTo: <user@example.test>\r\nSubject: " + subject + "\r\n"
                + "Message-ID: <" + subject.replace(' ', '-') + "@remote.test>\r\n\r\nThis is the GTUBE\r\n\r\n" + GTUBE + "\r\n";
    }

    private static long copiesOf(SmtpSink sink, String subject) throws Exception {
        return sink.transactions().stream().filter(t -> t.contains("Subject: " + subject) && t.contains(GTUBE)).count();
    }

    @Test
    void gtubeIsHeldAppearsInTheNextDigestAndItsLinkReleasesItOnce() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-12-01T07:59:30Z"));
        ScannerDaemon spamd = ScannerDaemon.spamd();
        SmtpSink sink = null;
        TestGateway gateway = null;
        try {
            sink = SmtpSink.start(0);
            gateway = TestGateway.startYaml(yaml(spamd.address(), sink.port()), clock);
            String id = QuarantineStoreTest.send(gateway, gtube("gtube test"), "user@example.test");
            QuarantineStoreTest.send(gateway, "From: <friend@remote.test>\r\nSubject: lunch\r\n\r\n"
                    + "Shall we meet for lunch on Tuesday at noon near the station?\r\n", "user@example.test");
            QuarantineEntry entry = gateway.quarantine().entry(id);
            assertThat(entry.category()).isEqualTo("spam");
            assertThat(entry.reason()).isEqualTo("header-check: spam: marked by SpamAssassin");
            assertThat(entry.score()).isGreaterThan(500.0);
            assertThat(gateway.quarantine().list(QuarantineFilter.parse(Map.of("reason", "spam", "min-score", "500")), 0, 10))
                    .extracting(QuarantineEntry::id).containsExactly(id);
            assertThat(gateway.metrics()).contains("portcullis_quarantine_messages{reason=\"spam\"} 1.0");
            SmtpSink at = sink;
            Eventually.await(Duration.ofSeconds(30), "the ham at the sink",
                    () -> at.transactions().stream().anyMatch(t -> t.contains("Subject: lunch")));
            assertThat(copiesOf(sink, "gtube test")).isZero();

            clock.advance(Duration.ofMinutes(1)); // 08:00:30: the digest is due
            Eventually.await(Duration.ofSeconds(30), "the digest at the sink", () -> DigestSink.digests(at).size() == 1);
            String digest = DigestSink.digests(sink).getFirst();
            assertThat(digest).contains("To: <user@example.test>", "Subject: Quarantine digest: 1 message held for you",
                    "Subject: gtube test", "Held for: header-check: spam: marked by SpamAssassin");
            String release = DigestSink.link(DigestSink.RELEASE, digest, "gtube test");
            assertThat(DigestSink.post(gateway, release)).isEqualTo(200);
            Eventually.await(Duration.ofSeconds(30), "the released GTUBE at the sink", () -> copiesOf(at, "gtube test") == 1);
            assertThat(DigestSink.post(gateway, release)).as("a second use").isEqualTo(410);
            Eventually.never(Duration.ofSeconds(2), "a second copy", () -> copiesOf(at, "gtube test") > 1);
            assertThat(gateway.quarantine().count(QuarantineFilter.ALL)).isZero();

            // a second GTUBE, listed in the next day's digest; its link is used only after it expired
            String later = QuarantineStoreTest.send(gateway, gtube("gtube again"), "user@example.test");
            clock.advance(Duration.ofDays(1));
            Eventually.await(Duration.ofSeconds(30), "the next day's digest", () -> DigestSink.digests(at).size() == 2);
            String next = DigestSink.digests(sink).stream().filter(t -> t.contains("Subject: gtube again")).findFirst().orElseThrow();
            clock.advance(Duration.ofDays(3).plusMinutes(1));
            assertThat(DigestSink.post(gateway, DigestSink.link(DigestSink.RELEASE, next, "gtube again"))).as("after expiry").isEqualTo(410);
            assertThat(gateway.quarantine().entry(later).held()).containsExactly("user@example.test");
            assertThat(copiesOf(sink, "gtube again")).isZero();
        } finally {
            Closing.closeAll(gateway, sink, spamd);
        }
    }
}
