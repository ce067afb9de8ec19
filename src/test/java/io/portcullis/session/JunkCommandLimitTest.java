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
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 12, finding 6: a client that holds a session without moving mail. Junk commands (NOOP,
 * RSET, VRFY, HELP, unknown verbs, EHLO again) are counted since the last accepted message and
 * the one over max-junk-commands gets 421 4.7.0; the MAIL after max-transactions gets 421 4.7.0;
 * the first command after max-session-time gets 421 4.4.2. Trusted clients (here the outbound
 * listener's relay network) are exempt from the last two. Other clients are served throughout.
 */
class JunkCommandLimitTest {
    private static TestGateway defaults;
    private static TestGateway small;
    private static TestGateway shortLived;

    @BeforeAll
    static void start() throws Exception {
        defaults = TestGateway.start("");
        small = TestGateway.startYaml(withLimits("""
                max-errors: 10
                max-junk-commands: 5
                max-transactions: 3
                max-recipients: 2
                max-message-size: 10KB
                """));
        shortLived = TestGateway.startYaml(withLimits("max-session-time: 1s\n"));
    }

    /** The default listeners with {@code limits} on both, inbound (untrusted) and outbound (relay-networks: trusted). */
    private static String withLimits(String limits) throws IOException {
        return TestGateway.defaultYaml(limits).replace("    relay-networks: [127.0.0.0/8]\n",
                "    relay-networks: [127.0.0.0/8]\n    limits:\n" + limits.indent(6));
    }

    @AfterAll
    static void stop() throws Exception {
        defaults.close();
        small.close();
        shortLived.close();
    }

    private int queuedBefore;

    @BeforeEach
    void countQueue() {
        queuedBefore = small.queued().size();
    }

    /** A fresh client on the same listener completes a transaction. */
    private static void freshClientIsServed(TestGateway gateway) throws IOException {
        try (SmtpScript other = gateway.connect()) {
            other.expect("220").send("EHLO other.test").expect("250 ");
            other.sendMessage("x@example.org", "y@example.test", "Subject: still served\r\n\r\nok\r\n");
            other.send("QUIT").expect("221");
        }
    }

    /** The report: 1,000 pipelined NOOPs. The default limit answers 100 of them, then 421. */
    @Test
    void thousandPipelinedNoopsGetOneHundredRepliesThenClose() throws Exception {
        int queued = defaults.queued().size();
        try (SmtpScript smtp = defaults.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.sendRaw("NOOP\r\n".repeat(1000));
            for (int i = 0; i < 100; i++) {
                smtp.expect("250 2.0.0");
            }
            smtp.expect("421 4.7.0");
            smtp.expectClosed();
            freshClientIsServed(defaults);
        }
        freshClientIsServed(defaults);
        assertThat(defaults.queued()).hasSize(queued + 2);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"NOOP", "RSET", "VRFY postmaster", "HELP", "EHLO again.test", "HELO again.test",
        "LONG NOOP", "XJUNK", "EXPN staff", "TURN"})
    void sixthJunkCommandGets421(String name) throws Exception {
        String junk = name.equals("LONG NOOP") ? "NOOP " + "x".repeat(4000) : name;
        try (SmtpScript smtp = small.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            for (int i = 0; i < 5; i++) {
                smtp.send(junk).readReply();
            }
            smtp.send(junk).expect("421 4.7.0");
            smtp.expectClosed();
        }
        assertThat(small.queued()).hasSize(queuedBefore);
        freshClientIsServed(small);
    }

    @Test
    void mixedAndPipelinedJunkIsCountedTogether() throws Exception {
        try (SmtpScript smtp = small.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.sendRaw("NOOP\r\nRSET\r\nVRFY x\r\nHELP\r\nxyzzy\r\nnoop\r\nMAIL FROM:<a@example.org>\r\n");
            smtp.expect("250 2.0.0").expect("250 2.0.0").expect("252 2.5.2").expect("214 2.0.0").expect("500 5.5.1");
            smtp.expect("421 4.7.0");
            smtp.expectClosed();
        }
        assertThat(small.queued()).hasSize(queuedBefore);
    }

    /** RCPT after max-recipients gets 452, which is no error: such RCPTs are junk (Postfix's recipient overshoot). */
    @Test
    void recipientsBeyondTheLimitAreJunk() throws Exception {
        try (SmtpScript smtp = small.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.send("MAIL FROM:<a@example.org>").expect("250 2.1.0");
            smtp.send("RCPT TO:<r1@example.test>").expect("250 2.1.5");
            smtp.send("RCPT TO:<r2@example.test>").expect("250 2.1.5");
            for (int i = 0; i < 5; i++) {
                smtp.send("RCPT TO:<more" + i + "@example.test>").expect("452 4.5.3");
            }
            smtp.send("RCPT TO:<more@example.test>").expect("421 4.7.0");
            smtp.expectClosed();
        }
        assertThat(small.queued()).hasSize(queuedBefore);
    }

    /** A MAIL refused without an error (552 for its SIZE) moves no mail: it counts, after its reply. */
    @Test
    void refusedMailCommandsAreJunk() throws Exception {
        try (SmtpScript smtp = small.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            for (int i = 0; i < 6; i++) {
                smtp.send("MAIL FROM:<a@example.org> SIZE=999999999").expect("552 5.3.4");
            }
            smtp.send("MAIL FROM:<a@example.org> SIZE=100").expect("421 4.7.0");
            smtp.expectClosed();
        }
        try (SmtpScript smtp = small.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            for (int i = 0; i < 6; i++) {
                smtp.send("MAIL FROM:<a@example.org> SIZE=999999999").expect("552 5.3.4");
            }
            smtp.send("QUIT").expect("221 2.0.0"); // over the limit, but QUIT is answered as QUIT
            smtp.expectClosed();
        }
        assertThat(small.queued()).hasSize(queuedBefore);
    }

    /** MAIL and RSET in a loop: the RSETs are junk, so the loop ends like any other. */
    @Test
    void mailRsetLoopEnds() throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(small.port("outbound"))) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            for (int i = 0; i < 5; i++) {
                smtp.send("MAIL FROM:<a@example.test>").expect("250 2.1.0");
                smtp.send("RSET").expect("250 2.0.0");
            }
            smtp.send("MAIL FROM:<a@example.test>").expect("250 2.1.0");
            smtp.send("RSET").expect("421 4.7.0");
            smtp.expectClosed();
        }
        assertThat(small.queued()).hasSize(queuedBefore);
    }

    /** A bulk sender that pings between messages is not hurt: each accepted message starts the count over. */
    @Test
    void acceptedMessageStartsTheJunkCountOver() throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(small.port("outbound"))) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            for (int i = 0; i < 6; i++) {
                for (int n = 0; n < 4; n++) {
                    smtp.send(n % 2 == 0 ? "NOOP" : "RSET").expect("250 2.0.0");
                }
                smtp.sendMessage("app@example.test", "user" + i + "@example.test", "Subject: " + i + "\r\n\r\nx\r\n");
            }
            smtp.send("QUIT").expect("221");
        }
        assertThat(small.queued()).hasSize(queuedBefore + 6);
    }

    @Test
    void mailAfterMaxTransactionsGets421() throws Exception {
        try (SmtpScript smtp = small.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            for (int i = 0; i < 3; i++) {
                smtp.sendMessage("a@example.org", "b@example.test", "Subject: " + i + "\r\n\r\nx\r\n");
            }
            smtp.send("MAIL FROM:<a@example.org>").expect("421 4.7.0");
            smtp.expectClosed();
        }
        assertThat(small.queued()).hasSize(queuedBefore + 3);
        freshClientIsServed(small);
    }

    /** An internal host relaying a batch over one connection (trusted: relay-networks) has no transaction cap. */
    @Test
    void trustedBulkRelayHasNoTransactionCap() throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(small.port("outbound"))) {
            smtp.expect("220").send("EHLO relay.example.test").expect("250 ");
            for (int i = 0; i < 8; i++) {
                smtp.sendMessage("app@example.test", "user" + i + "@example.org", "Subject: " + i + "\r\n\r\nx\r\n");
            }
            smtp.send("QUIT").expect("221");
        }
        assertThat(small.queued()).hasSize(queuedBefore + 8);
    }

    @Test
    void commandAfterMaxSessionTimeGets421() throws Exception {
        int queued = shortLived.queued().size();
        try (SmtpScript smtp = shortLived.connect();
             SmtpScript trusted = SmtpScript.connect(shortLived.port("outbound"))) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            trusted.expect("220").send("EHLO relay.example.test").expect("250 ");
            Thread.sleep(1500); // past max-session-time (1s); the check is at the next command, whenever it comes
            smtp.send("MAIL FROM:<a@example.org>").expect("421 4.4.2");
            smtp.expectClosed();
            trusted.sendMessage("app@example.test", "user@example.org", "Subject: late\r\n\r\nx\r\n");
            trusted.send("QUIT").expect("221");
        }
        assertThat(shortLived.queued()).hasSize(queued + 1);
    }
}
