package io.portcullis.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * BDAT (RFC 3030) takes exactly the announced octets as content: nothing inside a chunk is a
 * command or an end of data, and a chunk size the server cannot represent closes the session
 * (without a size it cannot know where the chunk ends).
 */
class BdatChunkTest {
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        gateway = TestGateway.start("""
                max-message-size: 64KB
                data-timeout: 2s
                """);
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    private static SmtpScript inTransaction() throws Exception {
        SmtpScript smtp = gateway.connect();
        smtp.expect("220").send("EHLO client.test").expect("250 ");
        smtp.send("MAIL FROM:<a@example.org>").expect("250 2.1.0");
        smtp.send("RCPT TO:<b@example.test>").expect("250 2.1.5");
        return smtp;
    }

    /** An end-of-data sequence and a second transaction's commands inside a chunk are content, byte for byte. */
    @Test
    void commandsAndEndOfDataInsideAChunkAreContent() throws Exception {
        String chunk = "Subject: one\r\n\r\nbody\r\n.\r\nMAIL FROM:<evil@example.org>\r\nRCPT TO:<victim@example.test>\r\n"
                + "DATA\r\nSubject: smuggled\r\n\r\n.\r\n..\r\n";
        List<String> before = gateway.queued();
        try (SmtpScript smtp = inTransaction()) {
            smtp.sendRaw("BDAT " + chunk.length() + " LAST\r\n" + chunk).expect("250 2.0.0 OK queued as");
            String id = smtp.queueId();
            smtp.send("NOOP").expect("250 2.0.0");
            assertThat(gateway.messageWithoutOurReceived(id)).isEqualTo(chunk);
            assertThat(gateway.envelope(id).recipients()).extracting(r -> r.address()).containsExactly("b@example.test");
        }
        assertThat(gateway.queued()).hasSize(before.size() + 1);
    }

    /** Sizes that do not fit the parser (or a long) are refused and the session closed: no guessing where a chunk ends. */
    @ParameterizedTest
    @ValueSource(strings = {"9223372036854775808", "99999999999999999999999", "18446744073709551617 LAST", "-1", "+5", "0x10",
        "5 LAST extra", "5  LAST", ""})
    void unrepresentableOrMalformedChunkSizesCloseTheSession(String argument) throws Exception {
        List<String> before = gateway.queued();
        try (SmtpScript smtp = inTransaction()) {
            smtp.sendRaw(("BDAT " + argument).stripTrailing() + "\r\nSubject: x\r\n\r\n").expect("501 5.5.4");
            smtp.expectClosed();
        }
        assertThat(gateway.queued()).isEqualTo(before);
        assertThat(gateway.incomingFiles()).isEmpty();
    }

    /** A huge but representable size: the content over the limit is refused and a stalled client is cut off. */
    @Test
    void aHugeAnnouncedChunkIsCutOffAtTheDataTimeoutAndNothingIsQueued() throws Exception {
        List<String> before = gateway.queued();
        try (SmtpScript smtp = inTransaction()) {
            smtp.sendRaw("BDAT 999999999999999999 LAST\r\n" + "z".repeat(70_000));
            smtp.expect("421 4.4.2");
            smtp.expectClosed();
        }
        assertThat(gateway.queued()).isEqualTo(before);
        try (SmtpScript fresh = inTransaction()) {
            fresh.sendRaw("BDAT 7 LAST\r\na:b\r\n\r\n").expect("250 2.0.0 OK queued as");
        }
    }
}
