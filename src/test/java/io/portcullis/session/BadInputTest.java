package io.portcullis.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every class of bad input from the foundation issue, sent as raw bytes: each gets its reply (or
 * a disconnect), and nothing unintended reaches the spool.
 */
class BadInputTest {
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = TestGateway.start("""
                max-message-size: 4KB
                max-recipients: 2
                max-line-length: 600
                max-errors: 5
                max-received-headers: 5
                command-timeout: 1s
                data-timeout: 1s
                """);
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

    private SmtpScript inTransaction() throws IOException {
        SmtpScript smtp = gateway.connect();
        smtp.expect("220").send("EHLO client.test").expect("250 ");
        smtp.send("MAIL FROM:<a@example.org>").expect("250 2.1.0");
        smtp.send("RCPT TO:<b@example.test>").expect("250 2.1.5");
        return smtp;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "bare LF          | EHLO client.test\\nMAIL FROM:<a@example.org>\\r\\n",
        "bare CR          | EHLO client.test\\rMAIL FROM:<a@example.org>\\r\\n",
        "NUL              | EHLO client\\u0000.test\\r\\n",
        "LF then CRLF     | NOOP\\n\\r\\n"})
    void commandLineWithBareLineEndOrNulIsRefusedAndClosed(String name, String raw) throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").sendRaw(unescape(raw)).expect("500 5.5.2");
            smtp.expectClosed();
        }
        assertNothingQueued();
    }

    /**
     * SMTP smuggling: a fake end of data followed by a second transaction. Only CRLF.CRLF ends
     * DATA, so everything up to it is one message, refused for its bare line ends; the smuggled
     * commands never run (QUIT is the next reply) and nothing is queued.
     */
    @ParameterizedTest(name = "fake terminator {0}")
    @ValueSource(strings = {"\\n.\\n", "\\n.\\r\\n", "\\r\\n.\\n", "\\r.\\r\\n", "\\r\\n.\\r", "\\r\\n\\u0000.\\r\\n"})
    void fakeEndOfDataNeverStartsASecondMessage(String terminator) throws Exception {
        try (SmtpScript smtp = inTransaction()) {
            smtp.send("DATA").expect("354");
            smtp.sendRaw("Subject: first\r\n\r\nhello" + unescape(terminator)
                    + "MAIL FROM:<smuggled@example.org>\r\nRCPT TO:<victim@example.test>\r\nDATA\r\n"
                    + "Subject: smuggled\r\n\r\nsmuggled\r\n.\r\n");
            smtp.expect("550 5.6.0");
            smtp.send("QUIT").expect("221");
        }
        assertNothingQueued();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "bare LF in body  | Subject: x\\r\\n\\r\\none\\ntwo\\r\\n.\\r\\n                 | 550 5.6.0 Message refused: bare CR or LF",
        "bare CR in body  | Subject: x\\r\\n\\r\\none\\rtwo\\r\\n.\\r\\n                 | 550 5.6.0 Message refused: bare CR or LF",
        "NUL in body      | Subject: x\\r\\n\\r\\none\\u0000two\\r\\n.\\r\\n             | 550 5.6.0 Message refused: NUL"})
    void messageDataWithForbiddenOctetsIsRefused(String name, String raw, String reply) throws Exception {
        try (SmtpScript smtp = inTransaction()) {
            smtp.send("DATA").expect("354");
            smtp.sendRaw(unescape(raw.strip())).expect(reply.strip());
            smtp.send("NOOP").expect("250 2.0.0");
        }
        assertNothingQueued();
    }

    @Test
    void bdatChunkWithBareLfIsRefusedAtLast() throws Exception {
        try (SmtpScript smtp = inTransaction()) {
            smtp.sendRaw("BDAT 12 LAST\r\nSubject: x\n\n").expect("550 5.6.0");
        }
        assertNothingQueued();
    }

    @Test
    void overlongCommandLineIsRefusedAndTheSessionGoesOn() throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("NOOP " + "x".repeat(5000)).expect("500 5.5.2 Line too long");
            smtp.send("EHLO client.test").expect("250 ");
        }
    }

    @Test
    void overlongMessageLineIsRefused() throws Exception {
        try (SmtpScript smtp = inTransaction()) {
            smtp.send("DATA").expect("354");
            smtp.sendRaw("Subject: x\r\n\r\n" + "y".repeat(601) + "\r\n.\r\n").expect("550 5.6.0 Message refused: line too long");
        }
        assertNothingQueued();
    }

    @Test
    void declaredSizeOverTheLimitIsRefusedAtMail() throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.send("MAIL FROM:<a@example.org> SIZE=4097").expect("552 5.3.4");
            smtp.send("MAIL FROM:<a@example.org> SIZE=4096").expect("250 2.1.0");
        }
    }

    @Test
    void actualSizeOverTheLimitIsRefusedAfterData() throws Exception {
        try (SmtpScript smtp = inTransaction()) {
            smtp.send("DATA").expect("354");
            smtp.sendRaw("Subject: big\r\n\r\n" + ("z".repeat(78) + "\r\n").repeat(100) + ".\r\n").expect("552 5.3.4");
            smtp.send("NOOP").expect("250 2.0.0");
        }
        try (SmtpScript smtp = inTransaction()) {
            smtp.sendRaw("BDAT 5000\r\n" + "z".repeat(4998) + "\r\n").expect("552 5.3.4");
            smtp.sendRaw("BDAT 2 LAST\r\n\r\n").expect("552 5.3.4");
            smtp.send("MAIL FROM:<a@example.org>").expect("250 2.1.0");
        }
        assertNothingQueued();
    }

    @Test
    void recipientsOverTheLimitGet452AndTheRestIsDelivered() throws Exception {
        try (SmtpScript smtp = inTransaction()) {
            smtp.send("RCPT TO:<c@example.test>").expect("250 2.1.5");
            smtp.send("RCPT TO:<d@example.test>").expect("452 4.5.3");
            smtp.send("DATA").expect("354");
            smtp.sendRaw("Subject: x\r\n\r\nx\r\n.\r\n").expect("250 2.0.0");
            assertThat(gateway.envelope(smtp.queueId()).recipients()).hasSize(2);
        }
    }

    @Test
    void tooManyErrorsClosesTheSession() throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220");
            for (int i = 0; i < 4; i++) {
                smtp.send("BOGUS").expect("500 5.5.1");
            }
            smtp.send("BOGUS").expect("500 5.5.1").expect("421 4.7.0");
            smtp.expectClosed();
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "MAIL before EHLO | -               | MAIL FROM:<a@example.org> | 503 5.5.1 Send EHLO or HELO first",
        "RCPT before MAIL | EHLO client.test | RCPT TO:<b@example.test>  | 503 5.5.1 Need MAIL command first",
        "DATA before MAIL | EHLO client.test | DATA                      | 503 5.5.1 Need MAIL and RCPT commands first",
        "STARTTLS before EHLO | -            | STARTTLS                  | 503 5.5.1 Send EHLO first",
        "unknown command  | EHLO client.test | EXPN list                 | 500 5.5.1",
        "EHLO without name | -               | EHLO                      | 501 5.5.4",
        "EHLO with junk   | -                | EHLO bad_name!            | 501 5.5.4"})
    void commandsOutOfOrderGet503(String name, String setup, String command, String reply) throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220");
            if (!setup.equals("-")) {
                smtp.send(setup).expect("250 ");
            }
            smtp.send(command).expect(reply);
            smtp.send("NOOP").expect("250 2.0.0");
        }
        assertNothingQueued();
    }

    @Test
    void dataBeforeRcptAndNestedMailAndStartTlsInTransactionGet503() throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.send("MAIL FROM:<a@example.org>").expect("250 2.1.0");
            smtp.send("DATA").expect("503 5.5.1 Need RCPT command first");
            smtp.send("MAIL FROM:<a@example.org>").expect("503 5.5.1 Nested MAIL command");
            smtp.send("STARTTLS").expect("503 5.5.1 STARTTLS is not allowed in a mail transaction");
            smtp.sendRaw("BDAT 4 LAST\r\nabcd").expect("503 5.5.1 Need RCPT command first");
            smtp.send("RCPT TO:<b@example.test>").expect("250 2.1.5");
        }
        assertNothingQueued();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "space after colon     | MAIL FROM: <a@example.org>             | 501 5.1.7",
        "no brackets           | MAIL FROM:a@example.org                | 501 5.1.7",
        "two at signs          | MAIL FROM:<a@b@example.org>            | 501 5.1.7",
        "trailing dot          | MAIL FROM:<a@example.org.>             | 501 5.1.7",
        "dot at local end      | MAIL FROM:<a.@example.org>             | 501 5.1.7",
        "bad literal           | MAIL FROM:<a@[300.1.1.1]>              | 501 5.1.7",
        "local part too long   | MAIL FROM:<aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@example.org> | 501 5.1.7",
        "unknown parameter     | MAIL FROM:<a@example.org> FOO=bar      | 555 5.5.4",
        "BINARYMIME            | MAIL FROM:<a@example.org> BODY=BINARYMIME | 555 5.5.4",
        "bad SIZE              | MAIL FROM:<a@example.org> SIZE=12x     | 501 5.5.4",
        "bad RET               | MAIL FROM:<a@example.org> RET=ALL      | 501 5.5.4",
        "bad ENVID xtext       | MAIL FROM:<a@example.org> ENVID=a+zz   | 501 5.5.4",
        "repeated parameter    | MAIL FROM:<a@example.org> SIZE=1 SIZE=2 | 501 5.5.4",
        "AUTH not offered      | MAIL FROM:<a@example.org> AUTH=<>      | 555 5.5.4"})
    void badSenderSyntaxIsRefused(String name, String command, String reply) throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.send(command.strip()).expect(reply.strip());
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "empty path           | RCPT TO:<>                                | 501 5.1.3",
        "no domain            | RCPT TO:<user>                            | 501 5.1.3",
        "bad NOTIFY           | RCPT TO:<b@example.test> NOTIFY=SOMETIMES  | 501 5.5.4",
        "NEVER with others    | RCPT TO:<b@example.test> NOTIFY=NEVER,DELAY | 501 5.5.4",
        "bad ORCPT            | RCPT TO:<b@example.test> ORCPT=nosemicolon | 501 5.5.4",
        "UTF-8 without SMTPUTF8 | RCPT TO:<ü@example.test>                | 553 5.6.7"})
    void badRecipientSyntaxIsRefused(String name, String command, String reply) throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.send("MAIL FROM:<a@example.org>").expect("250 2.1.0");
            smtp.send(command.strip()).expect(reply.strip());
        }
    }

    /**
     * The command timeout is a deadline for the whole line: a client trickling a byte every 200 ms
     * for 6 s is cut off one timeout after the line began (1 s here). A per-read timeout would
     * never fire while the trickle goes on, so any answer before the trickle ends proves the
     * deadline; the bounds are wide for a loaded machine.
     */
    @Test
    void slowClientTimesOutEvenWhenTricklingBytes() throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220");
            long start = System.nanoTime();
            Thread trickle = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < 30; i++) {
                        smtp.sendRaw("N");
                        Thread.sleep(200);
                    }
                } catch (IOException | InterruptedException closed) {
                    // the server hung up, as it should
                }
            });
            smtp.expect("421 4.4.2");
            assertThat((System.nanoTime() - start) / 1_000_000).isBetween(900L, 5_000L);
            smtp.expectClosed();
            trickle.interrupt();
            trickle.join();
        }
    }

    @Test
    void clientThatStallsInDataTimesOutAndNothingIsQueued() throws Exception {
        try (SmtpScript smtp = inTransaction()) {
            smtp.send("DATA").expect("354");
            smtp.sendRaw("Subject: stalled\r\n\r\nhalf a mess");
            smtp.expect("421 4.4.2");
            smtp.expectClosed();
        }
        assertNothingQueued();
    }

    @Test
    void messageWithTooManyReceivedHeadersIsALoop() throws Exception {
        try (SmtpScript smtp = inTransaction()) {
            smtp.send("DATA").expect("354");
            smtp.sendRaw("Received: from a by b; Sat, 28 Nov 2026 01:00:00 +0000\r\n".repeat(5) + "Subject: loop\r\n\r\nx\r\n.\r\n")
                    .expect("554 5.4.0");
        }
        try (SmtpScript smtp = inTransaction()) {
            smtp.send("DATA").expect("354");
            smtp.sendRaw("Received: from a by b; Sat, 28 Nov 2026 01:00:00 +0000\r\n".repeat(4) + "Subject: ok\r\n\r\nx\r\n.\r\n")
                    .expect("250 2.0.0");
        }
    }

    @Test
    void plainTextPipelinedBehindStartTlsIsDiscarded() throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.sendRaw("STARTTLS\r\nMAIL FROM:<injected@example.org>\r\n");
            smtp.startTlsAfterReply();
            smtp.send("EHLO client.test").expect("250 ");
            smtp.send("RCPT TO:<b@example.test>").expect("503 5.5.1 Need MAIL command first");
        }
        assertNothingQueued();
    }

    @Test
    void commandsPipelinedWithoutPipeliningAreRefused() throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").sendRaw("EHLO client.test\r\nMAIL FROM:<a@example.org>\r\n").expect("554 5.5.0");
            smtp.expectClosed();
        }
        try (SmtpScript smtp = inTransaction()) {
            smtp.sendRaw("DATA\r\nSubject: eager\r\n\r\nx\r\n.\r\n").expect("554 5.5.0");
            smtp.expectClosed();
        }
        assertNothingQueued();
    }

    static String unescape(String text) {
        return text.replace("\\r", "\r").replace("\\n", "\n").replace("\\u0000", "\0");
    }
}
