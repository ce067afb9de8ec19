package io.portcullis.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.spool.Envelope;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Red-team finding F8: ORCPT of type utf-8 (RFC 6533 §3) carries its address as
 * utf-8-addr-xtext, where {@code \x{HEX}} stands for a character. A receiver that decodes it
 * (our DSN's reader, the next hop) must never find a control character, a surrogate or a code
 * point beyond Unicode in it, so every such escape, every malformed or needless one, and every
 * value that does not decode to a mailbox gets 501 5.5.4; nothing is queued and the session goes
 * on. A good one is stored in its 7-bit form, exactly as sent.
 */
class Utf8OrcptTest {
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

    @ParameterizedTest(name = "ORCPT={0}")
    @ValueSource(strings = {
        "utf-8;a\\x{0D}\\x{0A}X-Portcullis-Inj:\\x{20}yes@c",  // the report: CR LF and a header line
        "utf-8;b\\x{0}@example.test", "utf-8;b\\x{D}@example.test", "utf-8;b\\x{000D}@example.test",
        "utf-8;b\\x{A}@example.test", "utf-8;b\\x{9}@example.test", "utf-8;b\\x{1F}@example.test",
        "utf-8;b\\x{7F}@example.test", "utf-8;b\\x{85}@example.test", "utf-8;b\\x{9F}@example.test",
        "utf-8;b\\x{D800}@example.test", "utf-8;b\\x{DFFF}@example.test",
        "utf-8;b\\x{110000}@example.test", "utf-8;b\\x{FFFFFFF}@example.test", "utf-8;b\\x{1000000}@example.test",
        "utf-8;b\\x{e9}@example.test",                        // lower-case hex
        "utf-8;b\\x{00E9}@example.test",                      // a leading zero: not the one spelling
        "utf-8;b\\x{41}@example.test",                        // "A" needs no escape
        "utf-8;b\\x{40}example.test",                         // nor does "@"
        "utf-8;b\\x{}@example.test", "utf-8;b\\x{E9@example.test", "utf-8;b\\x{G1}@example.test",
        "utf-8;b\\xE9@example.test", "utf-8;b\\@example.test", "utf-8;b\\x",  // malformed escapes
        "utf-8;b+40example.test", "utf-8;b+0D+0A@example.test", // "+" is not in utf-8-addr-xtext
        "utf-8;not-an-address", "utf-8;b\\x{E9}", "utf-8;@example.test", "utf-8;b@",
        "utf-8;b\\x{20}c@example.test",                       // a space outside quotes: no mailbox
        "UTF-8;b\\x{0D}\\x{0A}@example.test",                 // the type in any case
    })
    void badUtf8OriginalRecipientIsRefused(String orcpt) throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.send("MAIL FROM:<forged@example.org>").expect("250 2.1.0");
            smtp.send("RCPT TO:<b@example.test> NOTIFY=SUCCESS ORCPT=" + orcpt).expect("501 5.5.4");
            smtp.send("RCPT TO:<b@example.test> NOTIFY=SUCCESS ORCPT=" + orcpt).expect("501 5.5.4");
            smtp.send("DATA").expect("503 5.5.1");
            smtp.send("RSET").expect("250 2.0.0");
        }
        assertThat(gateway.queued()).hasSize(queuedBefore);
        assertThat(gateway.incomingFiles()).isEmpty();
        try (SmtpScript smtp = gateway.connect()) { // the gateway still takes mail
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.sendMessage("a@example.org", "b@example.test", "Subject: after\r\n\r\nafter\r\n");
        }
        assertThat(gateway.queued()).hasSize(queuedBefore + 1);
    }

    /** The report's attack, whole and pipelined: nothing reaches the spool, so no DSN can carry it. */
    @Test
    void forgedSenderWithInjectionInAUtf8OrcptQueuesNothing() throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.sendRaw("MAIL FROM:<victim@example.org> RET=FULL\r\n"
                    + "RCPT TO:<b@example.test> NOTIFY=SUCCESS ORCPT=utf-8;a\\x{0D}\\x{0A}X-Portcullis-Inj:\\x{20}yes@c\r\n"
                    + "DATA\r\n");
            smtp.expect("250 2.1.0").expect("501 5.5.4").expect("503 5.5.1");
            smtp.send("QUIT").expect("221");
        }
        assertThat(gateway.queued()).hasSize(queuedBefore);
        assertThat(gateway.incomingFiles()).isEmpty();
    }

    @Test
    void goodUtf8OriginalRecipientIsStoredInItsSevenBitForm() throws Exception {
        String id;
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.send("MAIL FROM:<a@example.org>").expect("250 2.1.0");
            smtp.send("RCPT TO:<b@example.test> NOTIFY=SUCCESS ORCPT=utf-8;j\\x{F6}rg\\x{2B}x@b\\x{FC}cher.example")
                    .expect("250 2.1.5");
            smtp.send("RCPT TO:<c@example.test> ORCPT=UTF-8;\\x{7528}\\x{6237}\\x{1F600}@example.test").expect("250 2.1.5");
            smtp.send("RCPT TO:<d@example.test> ORCPT=utf-8;\"d\\x{20}e\\x{5C}\\x{5C}\"@example.test").expect("250 2.1.5");
            smtp.send("DATA").expect("354");
            smtp.sendRaw("Subject: dsn\r\n\r\nx\r\n.\r\n").expect("250 2.0.0");
            id = smtp.queueId();
        }
        Envelope envelope = gateway.envelope(id);
        assertThat(envelope.recipients()).extracting(Envelope.Recipient::originalRecipient).containsExactly(
                "utf-8;j\\x{F6}rg\\x{2B}x@b\\x{FC}cher.example",
                "utf-8;\\x{7528}\\x{6237}\\x{1F600}@example.test",
                "utf-8;\"d\\x{20}e\\x{5C}\\x{5C}\"@example.test");
    }
}
