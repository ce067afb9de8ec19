package io.portcullis.quarantine;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.Closing;
import io.portcullis.testing.Dnsmasq;
import io.portcullis.testing.Eventually;
import io.portcullis.testing.ExternalProgram;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * An allow list entry names one mailbox, and a DKIM signature (or the DMARC pass it gives) speaks
 * for a domain: at a domain shared by many accounts (a mailbox provider) any account holder gets
 * mail signed with that domain's key, then replays it with the allowed friend's address as the
 * envelope sender (DKIM replay). Our Authentication-Results then shows dkim=pass and dmarc=pass
 * for the sender's domain, and the spam went to the recipient as if the friend had sent it. A DKIM
 * or DMARC pass counts for an allowed sender only when the signed From: is that sender; the
 * friend's own signed mail still gets through. Real dkimsign keys, dnsmasq, the real check.
 */
class AllowedSenderAtASharedDomainIsNotAnyAccountThereTest {
    private static final String SPAM_FROM = "X-Mailer: BulkBlaster 3\r\nTo: a@example.test\r\nSubject: %s\r\n"
            + "Date: Mon, 30 Nov 2026 10:00:00 +0000\r\nMessage-ID: <%s@mail.test>\r\n\r\nbuy now\r\n";

    @Test
    void aReplayedSignatureOfAnotherAccountIsNotTheAllowedSenders() throws Exception {
        ExternalProgram.require("dkimsign", "python3-dkim");
        Path keys = Files.createTempDirectory("dkim-keys");
        ExternalProgram.Result made = ExternalProgram.run(Duration.ofSeconds(60), "/usr/bin/python3", "/usr/bin/dknewkey",
                "--ktype", "rsa", keys.resolve("mail").toString());
        assertThat(made.exitCode()).as(made.output()).isZero();
        Dnsmasq dns = Dnsmasq.start(Dnsmasq.txtRecord("mail._domainkey.mail.test", Files.readString(keys.resolve("mail.dns")).strip()),
                Dnsmasq.txtRecord("mail.test", "v=spf1 -all"), Dnsmasq.txtRecord("_dmarc.mail.test", "v=DMARC1; p=none"));
        String yaml = TestGateway.contentYaml("""
                - name: auth
                  type: authentication
                  dmarc-reject: false
                - name: spam-rules
                  type: rules
                  header-checks:
                    - pattern: "^X-Mailer: BulkBlaster"
                      action: quarantine
                      text: "spam: bulk mailer"
                """, """
                content:
                  chain: [auth, spam-rules]
                """, "").replace("queue-only: true", "queue-only: false\n  dns-resolver: 127.0.0.1:" + dns.port());
        try (TestGateway gateway = TestGateway.startYaml(yaml)) {
            QuarantineReviewTest.Cli cli = new QuarantineReviewTest.Cli(gateway.dataDirectory());
            assertThat(cli.run("allow-list", "add", "a@example.test", "friend@mail.test")).as(cli.err()).isZero();

            // mallory's own mail, signed by the provider, replayed from elsewhere as the friend
            String replayed = send(gateway, "friend@mail.test", sign(keys, "From: Mallory <mallory@mail.test>\r\n"
                    + SPAM_FROM.formatted("cheap pills", "m1")));
            assertThat(gateway.quarantine().entries()).as("the replayed message is still held")
                    .extracting(QuarantineEntry::id).contains(replayed);
            String stored = new String(gateway.quarantine().message(replayed).readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(stored).contains("dkim=pass", "header.d=mail.test", "dmarc=pass");
            assertThat(gateway.quarantine().entry(replayed).held()).containsExactly("a@example.test");

            // the same, with the friend's From: put above the signed one: our DKIM check fails it (dkim=fail)
            String twoFroms = send(gateway, "friend@mail.test", "From: Friend <friend@mail.test>\r\n"
                    + sign(keys, "From: Mallory <mallory@mail.test>\r\n" + SPAM_FROM.formatted("cheap pills", "m2")));
            assertThat(gateway.quarantine().entries()).as("the replay with two From: fields is still held")
                    .extracting(QuarantineEntry::id).contains(twoFroms);

            // the friend's own signed mail (spf fails here too): the allow list lets it through
            String own = send(gateway, "friend@mail.test", sign(keys, "From: Friend <friend@mail.test>\r\n"
                    + SPAM_FROM.formatted("the minutes", "f1")));
            Eventually.await(Duration.ofSeconds(30), "the friend's message released",
                    () -> !gateway.quarantine().entries().stream().anyMatch(e -> e.id().equals(own)));
            assertThat(gateway.quarantine().entry(replayed).held()).containsExactly("a@example.test");
        } finally {
            Closing.closeAll(dns);
        }
    }

    private static String sign(Path keys, String message) throws Exception {
        ExternalProgram.Result result = ExternalProgram.run(Duration.ofSeconds(30), message.getBytes(StandardCharsets.US_ASCII),
                "/usr/bin/python3", "/usr/bin/dkimsign", "mail", "mail.test", keys.resolve("mail.key").toString());
        assertThat(result.exitCode()).as(result.output()).isZero();
        return result.output().replaceAll("(?<!\r)\n", "\r\n");
    }

    private static String send(TestGateway gateway, String sender, String content) throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.send("MAIL FROM:<" + sender + ">").expect("250 2.1.0");
            smtp.send("RCPT TO:<a@example.test>").expect("250 2.1.5");
            smtp.send("DATA").expect("354");
            smtp.sendRaw(content + ".\r\n");
            return smtp.expect("250 2.0.0 OK accepted as").queueId();
        }
    }
}
