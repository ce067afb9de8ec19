package io.portcullis.quarantine;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.Closing;
import io.portcullis.testing.Eventually;
import io.portcullis.testing.ScannerDaemon;
import io.portcullis.testing.TestGateway;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A realistic spam quarantine with Debian's SpamAssassin: spamd marks GTUBE (X-Spam-Flag, its
 * score), the rules step after it holds what is marked under the category {@code spam}; the entry
 * carries spamd's score, is found by a score filter and delivered once when released.
 */
class QuarantineSpamdTest {
    static final String GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

    @Test
    void gtubeIsHeldWithItsScoreAndReleasedOnce() throws Exception {
        ScannerDaemon spamd = ScannerDaemon.spamd();
        TestGateway gateway = null;
        try {
            gateway = TestGateway.startYaml(TestGateway.contentYaml("""
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
                    """.formatted(spamd.address()), """
                    content:
                      chain: [spamd, spam-quarantine]
                    """, "").replace("queue-only: true", "queue-only: false"));
            String gtube = "From: <sender@remote.test>\r\nTo: <user@example.test>\r\nSubject: gtube test\r\n"
                    + "Message-ID: <gtube@remote.test>\r\n\r\nThis is the GTUBE\r\n\r\n" + GTUBE + "\r\n";
            String id = QuarantineStoreTest.send(gateway, gtube, "user@example.test");
            String ham = QuarantineStoreTest.send(gateway, "From: <friend@remote.test>\r\nSubject: lunch\r\n\r\n"
                    + "Shall we meet for lunch on Tuesday at noon near the station?\r\n", "user@example.test");
            QuarantineEntry entry = gateway.quarantine().entry(id);
            assertThat(entry.category()).isEqualTo("spam");
            assertThat(entry.reason()).isEqualTo("header-check: spam: marked by SpamAssassin");
            assertThat(entry.score()).isGreaterThan(500.0);
            assertThat(gateway.quarantine().list(QuarantineFilter.parse(Map.of("reason", "spam", "min-score", "500")), 0, 10))
                    .extracting(QuarantineEntry::id).containsExactly(id);
            assertThat(gateway.metrics()).contains("portcullis_quarantine_messages{reason=\"spam\"} 1.0");
            TestGateway running = gateway;
            Eventually.await(Duration.ofSeconds(30), "the ham delivered", () -> QuarantineStoreTest.dropped(running).size() == 1);
            assertThat(Files.readString(QuarantineStoreTest.dropped(gateway).getFirst())).contains("Subject: lunch");

            gateway.quarantine().release(id, List.of(), "test");
            Eventually.await(Duration.ofSeconds(30), "the released GTUBE delivered",
                    () -> QuarantineStoreTest.dropped(running).size() == 2);
            assertThat(QuarantineStoreTest.dropped(gateway).stream().filter(f -> {
                try {
                    return Files.readString(f).contains(GTUBE);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            })).hasSize(1);
            assertThat(gateway.quarantine().count(QuarantineFilter.ALL)).isZero();
            assertThat(ham).isNotEqualTo(id);
        } finally {
            Closing.closeAll(gateway, spamd);
        }
    }
}
