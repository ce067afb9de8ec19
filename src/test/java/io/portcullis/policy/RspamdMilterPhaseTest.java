package io.portcullis.policy;

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
 * Rspamd's proxy in milter mode (Debian's rspamd) as a milter phase check named at every phase:
 * it answers at the end of the message in the data phase, GTUBE with its own reply; ordinary
 * mail is queued, and the headers rspamd asks to add are not applied in phase mode.
 */
class RspamdMilterPhaseTest {
    private static final String GTUBE_MESSAGE = "From: <sender@remote.test>\r\nTo: <user@example.test>\r\nSubject: test\r\n"
            + "Message-ID: <gtube-phase@remote.test>\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\n\r\n"
            + "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X\r\n";
    private static Dnsmasq dns;
    private static ScannerDaemon rspamd;
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        dns = Dnsmasq.start();
        rspamd = ScannerDaemon.rspamd(dns.port());
        gateway = TestGateway.startYaml(MilterPhaseCheckTest.withPhases(TestGateway.defaultYaml(""), """
                phases:
                  connect: [rspamd-milter]
                  helo: [rspamd-milter]
                  mail: [rspamd-milter]
                  rcpt: [rspamd-milter]
                  data: [rspamd-milter]
                """) + """
                phase-checks:
                  - name: rspamd-milter
                    type: milter
                    address: 127.0.0.1:%d
                    timeout: 30s
                """.formatted(rspamd.secondPort()));
    }

    @AfterAll
    static void stop() throws Exception {
        Closing.closeAll(gateway, rspamd, dns);
    }

    @Test
    void refusesGtubeAtTheEndOfDataWithItsOwnReplyAndQueuesOrdinaryMail() throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.transaction("sender@remote.test", "user@example.test", GTUBE_MESSAGE,
                    "554 5.7.1 Gtube pattern");
            String id = smtp.transaction("sender@remote.test", "user@example.test", """
                    From: Sender <sender@remote.test>\r
                    To: user@example.test\r
                    Subject: lunch\r
                    Message-ID: <lunch-3@remote.test>\r
                    Date: Sat, 28 Nov 2026 10:00:00 +0000\r
                    \r
                    Shall we meet for lunch on Tuesday at the usual place?\r
                    """, "250 2.0.0");
            assertThat(new String(gateway.message(id), StandardCharsets.UTF_8)).doesNotContain("X-Spam");
        }
    }
}
