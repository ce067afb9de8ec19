package io.portcullis.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.spool.Envelope;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Scripted conversations with a real gateway: the protocol as a well-behaved client sees it. */
class SmtpConversationTest {
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = TestGateway.start("");
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    @Test
    void ehloAdvertisesEveryExtensionWeImplement() throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220 gateway.test ESMTP");
            smtp.send("EHLO client.test");
            String reply = smtp.readReply();
            assertThat(SmtpScript.lines(reply)).containsExactly("250-gateway.test greets client.test",
                    "250-PIPELINING", "250-SIZE 26214400", "250-8BITMIME", "250-SMTPUTF8",
                    "250-ENHANCEDSTATUSCODES", "250-STARTTLS", "250-CHUNKING", "250-DSN", "250 HELP");
        }
    }

    @Test
    void storesMessageByteForByteWithEnvelopeAndDsnParameters() throws Exception {
        String headers = "From: a@example.org\r\nTo: b@example.test\r\nMessage-ID: <m1@example.org>\r\n"
                + "Subject: hi\r\n\r\nbody line\r\n";
        String content = headers + "..a line that starts with a dot\r\n.\r\n";
        String expected = headers + ".a line that starts with a dot\r\n";
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.send("MAIL FROM:<a@example.org> SIZE=200 BODY=8BITMIME RET=HDRS ENVID=abc+2Bdef").expect("250 2.1.0");
            smtp.send("RCPT TO:<b@example.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b+40example.test")
                    .expect("250 2.1.5");
            smtp.send("RCPT TO:<c@example.test>").expect("250 2.1.5");
            smtp.send("DATA").expect("354");
            smtp.sendRaw(content).expect("250 2.0.0 OK queued as");
            String id = smtp.queueId();
            smtp.send("QUIT").expect("221 2.0.0");

            assertThat(gateway.messageWithoutOurReceived(id)).isEqualTo(expected);
            String stored = new String(gateway.message(id), StandardCharsets.UTF_8);
            assertThat(stored).startsWith("Received: from client.test ([127.0.0.1])\r\n\tby gateway.test (Portcullis) with ESMTP id " + id + ";");
            Envelope envelope = gateway.envelope(id);
            assertThat(envelope.listener()).isEqualTo("inbound");
            assertThat(envelope.flow()).isEqualTo("inbound");
            assertThat(envelope.sender()).isEqualTo("a@example.org");
            assertThat(envelope.client().helo()).isEqualTo("client.test");
            assertThat(envelope.client().address()).isEqualTo("127.0.0.1");
            assertThat(envelope.declaredSize()).isEqualTo(200L);
            assertThat(envelope.body()).isEqualTo("8BITMIME");
            assertThat(envelope.dsnReturn()).isEqualTo("HDRS");
            assertThat(envelope.dsnEnvelopeId()).isEqualTo("abc+def");
            assertThat(envelope.messageId()).isEqualTo("<m1@example.org>");
            assertThat(envelope.size()).isEqualTo(gateway.message(id).length);
            assertThat(envelope.recipients()).containsExactly(
                    new Envelope.Recipient("b@example.test", java.util.List.of("FAILURE", "SUCCESS"), "rfc822;b@example.test"),
                    new Envelope.Recipient("c@example.test", java.util.List.of(), null));
        }
    }

    @Test
    void pipelinedTransactionGetsEveryReplyInOrder() throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.sendRaw("MAIL FROM:<>\r\nRCPT TO:<postmaster>\r\nRCPT TO:<x@example.test>\r\nDATA\r\n");
            smtp.expect("250 2.1.0").expect("250 2.1.5").expect("250 2.1.5").expect("354");
            smtp.sendRaw("Subject: bounce\r\n\r\nx\r\n.\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<y@example.test>\r\nDATA\r\n");
            smtp.expect("250 2.0.0");
            String first = smtp.queueId();
            smtp.expect("250 2.1.0").expect("250 2.1.5").expect("354");
            smtp.sendRaw("Subject: two\r\n\r\ny\r\n.\r\nQUIT\r\n").expect("250 2.0.0").expect("221");
            Envelope bounce = gateway.envelope(first);
            assertThat(bounce.sender()).isEmpty();
            assertThat(bounce.recipients()).extracting(Envelope.Recipient::address)
                    .containsExactly("postmaster", "x@example.test");
        }
    }

    @Test
    void dataSplitAcrossManyWritesIsReassembled() throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.send("MAIL FROM:<a@example.org>").expect("250 2.1.0");
            smtp.send("RCPT TO:<b@example.test>").expect("250 2.1.5");
            smtp.send("DATA").expect("354");
            for (String piece : new String[] {"Subject: s", "plit\r", "\n\r\nbody\r\n", ".", ".dot\r\n", "\r", "\n.", "\r", "\n"}) {
                smtp.sendRaw(piece);
                Thread.sleep(20);
            }
            smtp.expect("250 2.0.0");
            assertThat(gateway.messageWithoutOurReceived(smtp.queueId())).isEqualTo("Subject: split\r\n\r\nbody\r\n.dot\r\n\r\n");
        }
    }

    @Test
    void rsetDropsTheTransactionAndHeloSessionsTakeNoParameters() throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("HELO client.test").expect("250 gateway.test");
            smtp.send("MAIL FROM:<a@example.org> SIZE=10").expect("555 5.5.4");
            smtp.send("MAIL FROM:<a@example.org>").expect("250 2.1.0");
            smtp.send("RCPT TO:<b@example.test>").expect("250 2.1.5");
            smtp.send("RSET").expect("250 2.0.0");
            smtp.send("DATA").expect("503 5.5.1");
            smtp.send("NOOP").expect("250 2.0.0");
            smtp.send("VRFY someone").expect("252 2.5.2");
            smtp.send("HELP").expect("214 2.0.0");
            smtp.send("QUIT").expect("221 2.0.0 Bye");
            smtp.expectClosed();
        }
    }

    @Test
    void bdatChunksMakeOneMessage() throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.send("MAIL FROM:<a@example.org>").expect("250 2.1.0");
            smtp.send("RCPT TO:<b@example.test>").expect("250 2.1.5");
            smtp.sendRaw("BDAT 19\r\nSubject: chunks\r\n\r\n").expect("250 2.0.0 19 octets received");
            smtp.sendRaw("BDAT 9 LAST\r\n.no dot\r\n").expect("250 2.0.0 OK queued as");
            assertThat(gateway.messageWithoutOurReceived(smtp.queueId())).isEqualTo("Subject: chunks\r\n\r\n.no dot\r\n");
            smtp.send("MAIL FROM:<a@example.org>").expect("250 2.1.0");
            smtp.send("RCPT TO:<b@example.test>").expect("250 2.1.5");
            smtp.sendRaw("BDAT 3\r\na:b").expect("250 2.0.0 3 octets received");
            smtp.send("DATA").expect("503 5.5.1 DATA is not allowed after BDAT");
            smtp.sendRaw("BDAT 0 LAST\r\n").expect("250 2.0.0 OK queued");
        }
    }

    @Test
    void utf8AddressesNeedSmtpUtf8() throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.send("MAIL FROM:<józef@bücher.example>").expect("553 5.6.7");
            smtp.send("MAIL FROM:<józef@bücher.example> SMTPUTF8").expect("250 2.1.0");
            smtp.send("RCPT TO:<ünïcode@example.test>").expect("250 2.1.5");
            smtp.send("DATA").expect("354");
            smtp.sendRaw("Subject: é\r\n\r\nü\r\n.\r\n").expect("250 2.0.0");
            Envelope envelope = gateway.envelope(smtp.queueId());
            assertThat(envelope.smtpUtf8()).isTrue();
            assertThat(envelope.sender()).isEqualTo("józef@bücher.example");
            assertThat(envelope.client().protocol()).isEqualTo("UTF8SMTP");
        }
    }

    @Test
    void startTlsRestartsTheSessionAndIsRecordedInTheEnvelope() throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.startTls();
            smtp.send("MAIL FROM:<a@example.org>").expect("503 5.5.1 Send EHLO or HELO first");
            smtp.send("EHLO client.test");
            assertThat(smtp.readReply()).doesNotContain("STARTTLS");
            smtp.send("STARTTLS").expect("503 5.5.1 TLS is already active");
            String id = smtp.sendMessage("a@example.org", "b@example.test", "Subject: tls\r\n\r\nx\r\n");
            Envelope envelope = gateway.envelope(id);
            assertThat(envelope.client().tlsProtocol()).startsWith("TLSv1.");
            assertThat(envelope.client().protocol()).isEqualTo("ESMTPS");
            assertThat(new String(gateway.message(id), StandardCharsets.UTF_8)).contains("(using TLSv1.");
        }
    }

    @Test
    void outboundListenerStoresItsOwnFlow() throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(gateway.port("outbound"))) {
            smtp.expect("220").send("EHLO client.test");
            assertThat(smtp.readReply()).doesNotContain("STARTTLS");
            smtp.send("STARTTLS").expect("502 5.5.1");
            String id = smtp.sendMessage("a@example.test", "b@example.org", "Subject: out\r\n\r\nx\r\n");
            assertThat(gateway.envelope(id).flow()).isEqualTo("outbound");
            assertThat(gateway.envelope(id).listener()).isEqualTo("outbound");
        }
    }
}
