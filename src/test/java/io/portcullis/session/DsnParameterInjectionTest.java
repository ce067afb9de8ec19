package io.portcullis.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.spool.Envelope;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 12, finding 5: ENVID and ORCPT end up in the header of a DSN the gateway itself sends
 * (Original-Envelope-Id, Original-Recipient). With NOTIFY=SUCCESS and a forged sender, an xtext
 * "+0D+0A" let any client write its own header lines and MIME parts into mail to a third party.
 * Every value that does not decode to printable US-ASCII, and every malformed xtext, gets
 * 501 5.5.4; nothing is queued and the session goes on.
 */
class DsnParameterInjectionTest {
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = TestGateway.start("");
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    private int queuedBefore;

    @BeforeEach
    void countQueue() {
        queuedBefore = gateway.queued().size();
    }

    private void assertNothingQueued() throws IOException {
        assertThat(gateway.queued()).hasSize(queuedBefore);
        assertThat(gateway.incomingFiles()).isEmpty();
    }

    /** The session still works: a clean transaction with DSN parameters goes through. */
    private static void completeCleanTransaction(SmtpScript smtp) throws IOException {
        smtp.send("MAIL FROM:<a@example.org> ENVID=clean-1").expect("250 2.1.0");
        smtp.send("RCPT TO:<b@example.test> NOTIFY=SUCCESS ORCPT=rfc822;b+40example.test").expect("250 2.1.5");
        smtp.send("DATA").expect("354");
        smtp.sendRaw("Subject: clean\r\n\r\nclean\r\n.\r\n").expect("250 2.0.0");
    }

    @ParameterizedTest(name = "ENVID={0}")
    @ValueSource(strings = {
        "x+0D+0ABcc:+20victim+40example.org",   // the report: CRLF and a header line of the client's choice
        "x+0D+0A+0D+0A--boundary",              // a blank line: a body or a MIME part of the client's choice
        "x+0Ay", "x+0Dy",                       // LF or CR alone
        "x+0d+0ay",                             // lower-case hex is not xtext
        "x+00y", "x+7Fy", "x+1By", "x+09y", "x+1Fy", "x+85y",
        "x+C2+85y",                             // U+0085 (NEL): a control character, and not ASCII
        "x+C3+A9y",                             // é: printable, but not US-ASCII
        "x+C3",                                 // an escaped octet that is not UTF-8
        "x+ZZ", "x+", "x+4", "x+4G", "+",       // malformed escapes
        "é",                                    // raw 8-bit is not xtext
    })
    void envelopeIdThatIsNotPrintableAsciiIsRefused(String envid) throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.send("MAIL FROM:<forged@example.org> ENVID=" + envid).expect("501 5.5.4");
            completeCleanTransaction(smtp);
        }
        assertThat(gateway.queued()).hasSize(queuedBefore + 1);
    }

    @Test
    void envelopeIdOfMoreThanOneHundredCharactersIsRefused() throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.send("MAIL FROM:<a@example.org> ENVID=" + "x".repeat(101)).expect("501 5.5.4");
            smtp.send("MAIL FROM:<a@example.org> ENVID=" + "x+2B".repeat(26)).expect("501 5.5.4"); // 104 as sent
            smtp.send("MAIL FROM:<a@example.org> ENVID=" + "x".repeat(100)).expect("250 2.1.0");
        }
        assertNothingQueued();
    }

    @ParameterizedTest(name = "ORCPT={0}")
    @ValueSource(strings = {
        "rfc822;b+40example.test+0D+0ABcc:+20victim+40example.org",
        "rfc822;b+40example.test+0D+0A+0D+0A--boundary",
        "rfc822;b+40example.test+0A", "rfc822;b+40example.test+0d+0a",
        "rfc822;b+00+40example.test", "rfc822;b+7F+40example.test", "rfc822;b+1B+40example.test",
        "rfc822;b+C3+A9+40example.test",
        "rfc822;b+ZZ+40example.test", "rfc822;b+40example.test+", "rfc822;b+4",
        "rfc822;bé+40example.test",
        "rfc822;not-an-address", "rfc822;a+40b+40example.test", "rfc822;+40example.test", "rfc822;b+40",
        "rfc822;b+20c+40example.test",          // a space is printable, but not in an unquoted mailbox
        "x-other;b+0D+0Ac",                      // whatever the type, no control characters
        "utf-8;b+0Ac", "utf-8;bé",
        "rfc 822;b+40example.test", ";b+40example.test", "rfc822;", "rfc822",
    })
    void originalRecipientThatIsNotAPrintableAddressIsRefused(String orcpt) throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.send("MAIL FROM:<forged@example.org>").expect("250 2.1.0");
            smtp.send("RCPT TO:<b@example.test> NOTIFY=SUCCESS ORCPT=" + orcpt).expect("501 5.5.4");
            smtp.send("RSET").expect("250 2.0.0");
            completeCleanTransaction(smtp);
        }
        assertThat(gateway.queued()).hasSize(queuedBefore + 1);
    }

    @Test
    void originalRecipientOfMoreThanFiveHundredCharactersIsRefused() throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.send("MAIL FROM:<a@example.org>").expect("250 2.1.0");
            smtp.send("RCPT TO:<b@example.test> ORCPT=x-long;" + "x".repeat(494)).expect("501 5.5.4");
            smtp.send("RCPT TO:<b@example.test> ORCPT=x-long;" + "x".repeat(493)).expect("250 2.1.5");
        }
        assertNothingQueued();
    }

    /** The report's attack, whole: nothing reaches the spool, so no DSN can ever be sent for it. */
    @Test
    void forgedSenderWithInjectedDsnFieldsQueuesNothing() throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.sendRaw("MAIL FROM:<victim@example.org> RET=FULL ENVID=x+0D+0AX-Injected:+20yes\r\n"
                    + "RCPT TO:<b@example.test> NOTIFY=SUCCESS ORCPT=rfc822;b+40example.test+0D+0AX-Injected:+20yes\r\n"
                    + "DATA\r\n");
            smtp.expect("501 5.5.4").expect("503 5.5.1").expect("503 5.5.1");
            smtp.send("QUIT").expect("221");
        }
        assertNothingQueued();
    }

    @Test
    void validDsnParametersAreStoredDecoded() throws Exception {
        String id;
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.send("MAIL FROM:<a@example.org> RET=HDRS ENVID=QQ+2B+3D+20x~!").expect("250 2.1.0");
            smtp.send("RCPT TO:<b@example.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;B+2Bx+40Example.test").expect("250 2.1.5");
            smtp.send("RCPT TO:<c@example.test> ORCPT=x400;+2FC+3DUS+2FO+3DExample+2FS+3DBob").expect("250 2.1.5");
            smtp.send("DATA").expect("354");
            smtp.sendRaw("Subject: dsn\r\n\r\nx\r\n.\r\n").expect("250 2.0.0");
            id = smtp.queueId();
        }
        Envelope envelope = gateway.envelope(id);
        assertThat(envelope.dsnEnvelopeId()).isEqualTo("QQ+= x~!");
        assertThat(envelope.recipients()).extracting(Envelope.Recipient::originalRecipient)
                .containsExactly("rfc822;B+x@Example.test", "x400;/C=US/O=Example/S=Bob");
    }
}
