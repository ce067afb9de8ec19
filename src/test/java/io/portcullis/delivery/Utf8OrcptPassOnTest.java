package io.portcullis.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.smtp.Replies;
import io.portcullis.spool.Envelope;
import io.portcullis.spool.StoredMessage;
import io.portcullis.testing.Eventually;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red-team finding F8, what leaves the gateway: a utf-8 ORCPT goes to the next hop in its checked
 * 7-bit form (RFC 6533 §3), exactly as the client sent it; a DSN writes a checked one as it is and
 * leaves out one from an old spool record that does not check out (its reader would decode
 * "\x{0D}" into a line break, whatever we escape around it).
 */
class Utf8OrcptPassOnTest {
    private static final String GOOD = "utf-8;j\\x{F6}rg\\x{2B}x@b\\x{FC}cher.example";

    @TempDir
    Path directory;

    @Test
    void nextHopGetsTheUtf8OrcptAsSent() throws Exception {
        try (TestGateway nextHop = TestGateway.start("");
             TestGateway gateway = TestGateway.startYaml(TestGateway.deliveringYaml("""
                     domains: [example.org]
                     connectors:
                       - name: internal
                         type: smarthost
                         hosts: ["127.0.0.1:%d"]
                         tls: opportunistic
                     routes:
                       - domains: ["*"]
                         connector: internal
                         flows: [outbound, local]
                     delivery:
                       retry: [1h]
                     """.formatted(nextHop.inboundPort())))) {
            String id;
            try (SmtpScript smtp = SmtpScript.connect(gateway.port("outbound"))) {
                smtp.expect("220").send("EHLO internal.example.org").expect("250 ");
                smtp.send("MAIL FROM:<sender@example.org>").expect("250 2.1.0");
                smtp.send("RCPT TO:<ok@example.test> NOTIFY=FAILURE ORCPT=" + GOOD).expect("250 2.1.5");
                smtp.send("DATA").expect("354");
                smtp.sendRaw("Subject: orcpt\r\n\r\nx\r\n.\r\n").expect("250 2.0.0");
                id = smtp.queueId();
            }
            Eventually.await(Duration.ofSeconds(30), "message " + id + " at the next hop", () -> nextHop.queued().size() == 1);
            Envelope received = nextHop.envelope(nextHop.queued().getFirst());
            assertThat(received.recipients()).extracting(Envelope.Recipient::originalRecipient).containsExactly(GOOD);
        }
    }

    @Test
    void reportCarriesACheckedUtf8OrcptAndLeavesOutABadOne() throws Exception {
        Path content = Files.writeString(directory.resolve("message"), "Subject: hi\r\n\r\nbody\r\n");
        Envelope.Recipient good = new Envelope.Recipient("b@example.test", List.of("SUCCESS"), GOOD);
        Envelope.Recipient bad = new Envelope.Recipient("c@example.test", List.of("SUCCESS"),
                "utf-8;a\\x{0D}\\x{0A}X-Portcullis-Inj:\\x{20}yes@c");
        Envelope envelope = new Envelope(Envelope.CURRENT_VERSION, "ID1", "inbound", "inbound", Instant.now(),
                new Envelope.Client("192.0.2.1", 25, "client.test", "ESMTP", null, null, null),
                "forged@example.org", null, "7BIT", false, "HDRS", null, List.of(good, bad), Files.size(content),
                null, null);
        byte[] report = DeliveryStatusNotification.build("gateway.test", envelope,
                new StoredMessage(content, Files.size(content)), DeliveryStatusNotification.Action.DELIVERED,
                List.of(new DeliveryStatusNotification.Entry(good, RecipientResult.of("b@example.test", Replies.OK, "drop:x")),
                        new DeliveryStatusNotification.Entry(bad, RecipientResult.of("c@example.test", Replies.OK, "drop:x"))),
                1 << 20);
        String text = new String(report, StandardCharsets.UTF_8);

        assertThat(text).contains("Original-Recipient: utf-8; j\\x{F6}rg\\x{2B}x@b\\x{FC}cher.example\r\n"
                + "Final-Recipient: rfc822; b@example.test\r\n");
        assertThat(text).contains("\r\n\r\nFinal-Recipient: rfc822; c@example.test\r\n");
        assertThat(text).doesNotContain("X-Portcullis-Inj").doesNotContain("\\x{0D}");
    }
}
