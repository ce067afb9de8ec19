package io.portcullis.content;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.Closing;
import io.portcullis.testing.ScannerDaemon;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Real SpamAssassin spamd and ClamAV clamd from Debian: spam is scanned on the inbound listener
 * only, viruses on both.
 */
class ScannerInteropTest {
    static final String GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";
    static final String VIRUS_MARKER = "PORTCULLIS-TEST-VIRUS-7f3a9c";

    private static ScannerDaemon spamd;
    private static ScannerDaemon clamd;
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        spamd = ScannerDaemon.spamd();
        clamd = ScannerDaemon.clamd("Portcullis.Test.Signature", VIRUS_MARKER);
        gateway = TestGateway.startYaml(TestGateway.contentYaml("""
                - name: spamd
                  type: spamd
                  address: %s
                  timeout: 30s
                  mark-score: 4
                  reject-score: 10
                - name: clamd
                  type: clamd
                  address: %s
                """.formatted(spamd.address(), clamd.address()), """
                content:
                  chain: [spamd, clamd]
                """, """
                content:
                  chain: [clamd]
                """));
    }

    @AfterAll
    static void stop() throws Exception {
        Closing.closeAll(gateway, spamd, clamd);
    }

    static String gtubeMessage() {
        return "From: <sender@remote.test>\r\nTo: <user@example.test>\r\nSubject: test\r\n"
                + "Message-ID: <gtube@remote.test>\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\n\r\n"
                + "This is the GTUBE, the Generic Test for Unsolicited Bulk Email\r\n\r\n" + GTUBE + "\r\n";
    }

    @Test
    void refusesGtubeOnTheInboundListener() throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.transaction("sender@remote.test", "user@example.test", gtubeMessage(),
                    "550 5.7.1 Message rejected as spam (score ");
            String reply = smtp.lastReply();
            // GTUBE scores 1000, give or take what other rules add (the Date header's distance from
            // now among them): anything near it is GTUBE.
            double score = Double.parseDouble(reply.replaceAll("(?s).*\\(score ([0-9.]+)\\).*", "$1"));
            assertThat(score).isGreaterThan(900);
        }
        assertThat(gateway.metrics()).contains("portcullis_content_checks_total{check=\"spamd\",listener=\"inbound\",result=\"reject\"}");
        assertThat(gateway.metrics()).contains("portcullis_rejects_total{flow=\"inbound\",listener=\"inbound\",reason=\"spam\"}");
    }

    @Test
    void acceptsGtubeOnTheOutboundListenerWhichDoesNotScanForSpam() throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(gateway.port("outbound"))) {
            smtp.expect("220").send("EHLO internal.example.test").expect("250 ");
            String id = smtp.sendMessage("user@example.test", "someone@remote.test", gtubeMessage());
            assertThat(new String(gateway.message(id))).doesNotContain("X-Spam-");
        }
    }

    @Test
    void marksOrdinaryMailAndDropsForgedSpamHeaders() throws Exception {
        String message = "From: <sender@remote.test>\r\nTo: <user@example.test>\r\nSubject: lunch\r\n"
                + "X-Spam-Flag: NO\r\nMessage-ID: <lunch@remote.test>\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\n\r\n"
                + "Shall we meet for lunch on Tuesday at the usual place?\r\n";
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            String id = smtp.sendMessage("sender@remote.test", "user@example.test", message);
            String stored = new String(gateway.message(id));
            assertThat(stored).startsWith("X-Spam-Status: No, score=");
            assertThat(stored).doesNotContain("X-Spam-Flag");
            assertThat(stored).endsWith("Shall we meet for lunch on Tuesday at the usual place?\r\n");
            assertThat(gateway.envelope(id).size()).isEqualTo(stored.length());
        }
    }

    @Test
    void refusesAVirusHiddenInABase64AttachmentOnBothListeners() throws Exception {
        String message = "Subject: invoice\r\n" + ContentRulesTest.multipart(
                "Content-Type: application/octet-stream; name=\"invoice.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                        + ContentRulesTest.base64("header\n" + VIRUS_MARKER + "\ntrailer\n"));
        assertThat(message).doesNotContain(VIRUS_MARKER);
        for (int port : new int[] {gateway.inboundPort(), gateway.port("outbound")}) {
            try (SmtpScript smtp = SmtpScript.connect(port)) {
                smtp.expect("220").send("EHLO internal.example.test").expect("250 ");
                smtp.transaction("user@example.test", "other@example.test", message,
                        "554 5.7.1 Message rejected: virus found: Portcullis.Test.Signature");
            }
        }
    }
}
