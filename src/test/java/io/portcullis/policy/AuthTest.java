package io.portcullis.policy;

import static io.portcullis.testing.PolicyGateway.ALICE;
import static io.portcullis.testing.SmtpScript.plain;
import static io.portcullis.testing.PolicyGateway.ALICE_PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.portcullis.testing.PolicyGateway;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** AUTH abuse and AUTH done right, with every log line checked for the secrets. */
class AuthTest {
    private static TestGateway gateway;
    private static final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private static ch.qos.logback.classic.Level levelBefore;

    @BeforeAll
    static void start() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        levelBefore = ((Logger) LoggerFactory.getLogger("io.portcullis")).getLevel();
        ((Logger) LoggerFactory.getLogger("io.portcullis")).setLevel(ch.qos.logback.classic.Level.DEBUG);
        logs.start();
        root.addAppender(logs);
        gateway = PolicyGateway.start();
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
        // back to logback.xml's level (INFO), not null: null inherits the root's WARN, and later tests
        // in this JVM would lose every INFO event they wait for
        ((Logger) LoggerFactory.getLogger("io.portcullis")).setLevel(levelBefore);
    }

    static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static SmtpScript outboundWithTls() throws IOException {
        return outboundWithTls(gateway);
    }

    private static SmtpScript outboundWithTls(TestGateway gateway) throws IOException {
        SmtpScript smtp = SmtpScript.connect(gateway.port("outbound"));
        smtp.expect("220").send("EHLO internal.example.test").expect("250 ");
        smtp.startTls().send("EHLO internal.example.test");
        assertThat(smtp.readReply()).contains("250-AUTH PLAIN LOGIN");
        return smtp;
    }

    @Test
    void inboundNeitherAdvertisesNorAcceptsAuth() throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test");
            assertThat(smtp.readReply()).doesNotContain("AUTH");
            smtp.send("AUTH PLAIN " + plain("", ALICE, ALICE_PASSWORD)).expect("503 5.5.1");
            smtp.startTls().send("EHLO client.test");
            assertThat(smtp.readReply()).doesNotContain("AUTH");
            smtp.send("AUTH LOGIN").expect("503 5.5.1");
        }
    }

    @Test
    void authBeforeTlsBeforeEhloTwiceAndInATransactionAreRefused() throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(gateway.port("outbound"))) {
            smtp.expect("220").send("AUTH PLAIN " + plain("", ALICE, ALICE_PASSWORD)).expect("503 5.5.1 Send EHLO first");
            smtp.send("EHLO internal.example.test");
            assertThat(smtp.readReply()).doesNotContain("AUTH");
            smtp.send("AUTH PLAIN " + plain("", ALICE, ALICE_PASSWORD)).expect("530 5.7.0");
        }
        try (SmtpScript smtp = outboundWithTls()) {
            smtp.send("AUTH PLAIN " + plain("", ALICE, ALICE_PASSWORD)).expect("235 2.7.0");
            smtp.send("AUTH PLAIN " + plain("", ALICE, ALICE_PASSWORD)).expect("503 5.5.1 Already authenticated");
            smtp.send("MAIL FROM:<alice@example.test>").expect("250 2.1.0");
            smtp.send("AUTH LOGIN").expect("503 5.5.1 AUTH is not allowed in a mail transaction");
        }
    }

    @Test
    void malformedExchangesAreRefusedCleanly() throws Exception {
        try (SmtpScript smtp = outboundWithTls()) {
            smtp.send("AUTH CRAM-MD5").expect("504 5.5.4");
            smtp.send("AUTH PLAIN not*base64!").expect("501 5.5.2");
            smtp.send("AUTH PLAIN").expect("334");
            smtp.send("*").expect("501 5.0.0");
            smtp.send("AUTH LOGIN").expect("334 VXNlcm5hbWU6");
            smtp.send("x".repeat(13000)).expect("500 5.5.6");
            smtp.send("NOOP").expect("250 2.0.0");
        }
    }

    @Test
    void unknownUserWrongPasswordAndForeignAuthorizationIdentityLookAlike() throws Exception {
        try (SmtpScript smtp = outboundWithTls()) {
            smtp.send("AUTH PLAIN " + plain("", "nobody@example.test", ALICE_PASSWORD)).expect("535 5.7.8 Authentication credentials invalid");
            smtp.send("AUTH PLAIN " + plain("", ALICE, "wrong")).expect("535 5.7.8 Authentication credentials invalid");
        }
        try (SmtpScript smtp = outboundWithTls()) {
            smtp.send("AUTH PLAIN " + plain("bob@example.test", ALICE, ALICE_PASSWORD)).expect("535 5.7.8");
        }
    }

    @Test
    void loginAndPlainSucceedAndTheIdentityIsRecorded() throws Exception {
        try (SmtpScript smtp = outboundWithTls()) {
            smtp.send("AUTH LOGIN").expect("334 VXNlcm5hbWU6");
            smtp.send(base64(ALICE)).expect("334 UGFzc3dvcmQ6");
            smtp.send(base64(ALICE_PASSWORD)).expect("235 2.7.0");
            String id = smtp.sendMessage(ALICE, "friend@example.org", "From: Alice <alice@example.test>\r\nSubject: hi\r\n\r\nx\r\n");
            assertThat(gateway.envelope(id).client().authenticatedAs()).isEqualTo(ALICE);
            assertThat(gateway.envelope(id).client().protocol()).isEqualTo("ESMTPSA");
        }
        try (SmtpScript smtp = outboundWithTls()) {
            smtp.send("AUTH PLAIN " + plain(ALICE, ALICE, ALICE_PASSWORD)).expect("235 2.7.0");
        }
    }

    /** On a gateway of its own: the lockout it causes would refuse the other tests' logins. */
    @Test
    void bruteForceEndsInDisconnectAndLockout() throws Exception {
        String user = "bob@example.test";
        try (TestGateway own = PolicyGateway.start()) {
            bruteForce(own, user);
        }
    }

    private static void bruteForce(TestGateway gateway, String user) throws Exception {
        try (SmtpScript smtp = outboundWithTls(gateway)) {
            smtp.send("AUTH PLAIN " + plain("", user, "guess1")).expect("535 5.7.8");
            smtp.send("AUTH PLAIN " + plain("", user, "guess2")).expect("535 5.7.8");
            smtp.send("AUTH PLAIN " + plain("", user, "guess3")).expect("535 5.7.8").expect("421 4.7.0");
            smtp.expectClosed();
        }
        try (SmtpScript smtp = outboundWithTls(gateway)) {
            smtp.send("AUTH PLAIN " + plain("", user, "guess4")).expect("535 5.7.8");
            smtp.send("AUTH PLAIN " + plain("", user, "guess5")).expect("535 5.7.8");
            // the address is now locked out: even the right password is refused for a while
            smtp.send("AUTH PLAIN " + plain("", user, PolicyGateway.BOB_PASSWORD)).expect("454 4.7.0");
        }
    }

    @Test
    void secretsNeverReachTheLogs() throws Exception {
        loginAndPlainSucceedAndTheIdentityIsRecorded();
        unknownUserWrongPasswordAndForeignAuthorizationIdentityLookAlike();
        String[] secrets = {ALICE_PASSWORD, base64(ALICE_PASSWORD), plain("", ALICE, ALICE_PASSWORD),
            plain(ALICE, ALICE, ALICE_PASSWORD), plain("", "nobody@example.test", ALICE_PASSWORD), "$2y$04$"};
        java.util.List<ILoggingEvent> events;
        synchronized (logs) { // the appender appends under its own lock, from the gateway's threads
            events = new java.util.ArrayList<>(logs.list);
        }
        assertThat(events).isNotEmpty();
        for (ILoggingEvent event : events) {
            for (String secret : secrets) {
                assertThat(event.getFormattedMessage()).doesNotContain(secret);
            }
        }
        assertThat(events).anySatisfy(e -> assertThat(e.getFormattedMessage()).contains("authenticated as " + ALICE));
    }
}
