package io.portcullis.policy;

import static io.portcullis.policy.GreylistingTest.GREYLISTED;
import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.MutableClock;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An allow-listing made at {@code mail} (the {@code lists} check's allow-senders; a DNSWL-style
 * domain list on the sender does the same) is about that sender: it lasts for its transaction
 * only. A hostile client that names an allow-listed sender once, then RSETs (or finishes the
 * message) and sends as anybody else, is filtered (greylisted here) like any other client. An
 * allow-listing of the client at {@code connect} (allow-clients) is about the connection and lasts
 * for the session, across RSET and STARTTLS.
 */
class SenderAllowListingLastsOneTransactionTest {
    private static Path allowSenders;
    private static Path allowClients;
    private static Path blockSenders;
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws IOException {
        allowSenders = Files.createTempFile("allow-senders", ".txt");
        Files.writeString(allowSenders, "@partner.test\n");
        allowClients = Files.createTempFile("allow-clients", ".txt");
        Files.writeString(allowClients, "127.0.0.45\n");
        blockSenders = Files.createTempFile("block-senders", ".txt");
        Files.writeString(blockSenders, "blocked@partner.test\n");
        String tls = TestGateway.sharedTls().toString();
        gateway = TestGateway.startYaml("""
                hostname: gateway.test
                listeners:
                  - name: inbound
                    bind: 127.0.0.1:0
                    tls: {certificate: %1$s/certificate.pem, key: %1$s/key.pem}
                    phases:
                      connect: [local-lists]
                      mail: [local-lists, blocked-partners]
                      rcpt: [greylist]
                domains: [example.test]
                connectors:
                  - {name: internal, type: drop, folder: drop/inbound}
                routes:
                  - {domains: [example.test], connector: internal}
                delivery:
                  queue-only: true
                phase-checks:
                  - name: local-lists
                    type: lists
                    allow-senders: %2$s
                    allow-clients: %3$s
                  - name: blocked-partners
                    type: lists
                    block-senders: %4$s
                  - name: greylist
                    type: greylist
                """.formatted(tls, allowSenders, allowClients, blockSenders), new MutableClock());
    }

    @AfterAll
    static void stop() throws IOException {
        gateway.close();
        Files.deleteIfExists(allowSenders);
        Files.deleteIfExists(allowClients);
        Files.deleteIfExists(blockSenders);
    }

    @Test
    void anAllowListedSenderThenRsetDoesNotExemptTheNextSender() throws Exception {
        int queued = gateway.queued().size();
        try (SmtpScript smtp = SmtpScript.connectFrom("127.0.0.41", gateway.inboundPort())) {
            smtp.expect("220").send("EHLO mx.stranger.test").expect("250 ");
            smtp.send("MAIL FROM:<someone@partner.test>").expect("250 2.1.0");
            smtp.send("RSET").expect("250 2.0.0");
            smtp.send("MAIL FROM:<spam@stranger.test>").expect("250 2.1.0");
            smtp.send("RCPT TO:<bob@example.test>").expect(GREYLISTED);
            smtp.send("DATA").expect("503");
        }
        assertThat(gateway.queued()).hasSize(queued);
        assertStillServing();
    }

    @Test
    void anAllowListedMessageDoesNotExemptTheNextTransaction() throws Exception {
        int queued = gateway.queued().size();
        try (SmtpScript smtp = SmtpScript.connectFrom("127.0.0.42", gateway.inboundPort())) {
            smtp.expect("220").send("EHLO mx.stranger.test").expect("250 ");
            smtp.sendMessage("someone@partner.test", "bob@example.test", "Subject: allowed\r\n\r\nhello\r\n");
            smtp.send("MAIL FROM:<spam@stranger.test>").expect("250 2.1.0");
            smtp.send("RCPT TO:<bob@example.test>").expect(GREYLISTED);
        }
        assertThat(gateway.queued()).hasSize(queued + 1);
        assertStillServing();
    }

    @Test
    void anAllowListedSenderRefusedAtMailDoesNotExemptTheNextSender() throws Exception {
        int queued = gateway.queued().size();
        try (SmtpScript smtp = SmtpScript.connectFrom("127.0.0.44", gateway.inboundPort())) {
            smtp.expect("220").send("EHLO mx.stranger.test").expect("250 ");
            // allow-listed by the first check, refused by the next one: no transaction starts
            smtp.send("MAIL FROM:<blocked@partner.test>").expect("550 5.7.1");
            smtp.send("MAIL FROM:<spam@stranger.test>").expect("250 2.1.0");
            smtp.send("RCPT TO:<bob@example.test>").expect(GREYLISTED);
        }
        assertThat(gateway.queued()).hasSize(queued);
        assertStillServing();
    }

    @Test
    void anAllowListedClientStaysAllowListedAcrossRsetAndStartTls() throws Exception {
        int queued = gateway.queued().size();
        try (SmtpScript smtp = SmtpScript.connectFrom("127.0.0.45", gateway.inboundPort())) {
            smtp.expect("220").send("EHLO relay.partner.test").expect("250 ");
            smtp.send("MAIL FROM:<a@stranger.test>").expect("250 2.1.0");
            smtp.send("RSET").expect("250 2.0.0");
            smtp.startTls();
            smtp.send("EHLO relay.partner.test").expect("250 ");
            smtp.sendMessage("b@stranger.test", "bob@example.test", "Subject: client allowed\r\n\r\nhello\r\n");
        }
        assertThat(gateway.queued()).hasSize(queued + 1);
    }

    /** A fresh client with an allow-listed sender completes a transaction. */
    private static void assertStillServing() throws IOException {
        int queued = gateway.queued().size();
        try (SmtpScript smtp = SmtpScript.connectFrom("127.0.0.43", gateway.inboundPort())) {
            smtp.expect("220").send("EHLO mx.partner.test").expect("250 ");
            smtp.sendMessage("news@partner.test", "bob@example.test", "Subject: fresh\r\n\r\nhello\r\n");
        }
        assertThat(gateway.queued()).hasSize(queued + 1);
    }
}
