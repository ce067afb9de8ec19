package io.portcullis.content;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.Closing;
import io.portcullis.testing.Dnsmasq;
import io.portcullis.testing.ScannerDaemon;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real Rspamd from Debian, reached both ways: its HTTP protocol (check type rspamd, on the
 * inbound listener) and its proxy in milter mode (check type milter, on the outbound listener).
 */
class RspamdInteropTest {
    private static Dnsmasq dns;
    private static ScannerDaemon rspamd;
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        dns = Dnsmasq.start();
        rspamd = ScannerDaemon.rspamd(dns.port());
        gateway = TestGateway.startYaml(TestGateway.contentYaml("""
                - name: rspamd
                  type: rspamd
                  url: http://127.0.0.1:%d
                - name: rspamd-milter
                  type: milter
                  address: 127.0.0.1:%d
                """.formatted(rspamd.port(), rspamd.secondPort()), """
                content:
                  chain: [rspamd]
                """, """
                content:
                  chain: [rspamd-milter]
                """));
    }

    @AfterAll
    static void stop() throws Exception {
        Closing.closeAll(gateway, rspamd, dns);
    }

    private static final String HAM = "From: Sender <sender@remote.test>\r\nTo: user@example.test\r\nSubject: lunch\r\n"
            + "Message-ID: <lunch-2@remote.test>\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\n\r\n"
            + "Shall we meet for lunch on Tuesday at the usual place?\r\n";

    @Test
    void overHttpRefusesGtubeAndMarksOrdinaryMail() throws Exception {
        send(gateway.inboundPort(), ScannerInteropTest.gtubeMessage(), "550 5.7.1 Message rejected as spam (score 15");
        String id = send(gateway.inboundPort(), HAM, "250 2.0.0");
        assertThat(new String(gateway.message(id), StandardCharsets.UTF_8)).startsWith("X-Spam-Status: No, score=");
    }

    @Test
    void asAMilterRefusesGtubeWithItsOwnReplyAndPassesOrdinaryMail() throws Exception {
        send(gateway.port("outbound"), ScannerInteropTest.gtubeMessage(), "554 5.7.1 Gtube pattern");
        send(gateway.port("outbound"), HAM, "250 2.0.0");
    }

    private static String send(int port, String message, String reply) throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(port)) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            return smtp.transaction("sender@remote.test", "user@example.test", message, reply);
        }
    }
}
