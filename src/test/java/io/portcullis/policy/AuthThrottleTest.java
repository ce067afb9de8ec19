package io.portcullis.policy;

import static io.portcullis.testing.SmtpScript.plain;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.auth.PasswordHashes;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * AUTH guessing from many sources over real connections: from several loopback addresses
 * (127.0.0.2, 127.0.0.3, ... bound by the client socket), and from IPv6 clients named by PROXY
 * headers. Guessers are slowed down and refused; the real user is never locked out by them.
 * A new gateway per test: the throttle outlives sessions and would leak between tests. The
 * throttle's delays are shortened (its counts are the defaults): what is refused does not depend
 * on them, and the defaults' seconds of waiting made this the slowest class of the suite.
 */
class AuthThrottleTest {
    private static final String USER = "bob@example.test";
    private static final String PASSWORD = "hunter2-but-longer";
    private TestGateway gateway;

    @BeforeEach
    void start() throws Exception {
        String hash = PasswordHashes.hash(PASSWORD.toCharArray(), 4);
        gateway = TestGateway.startYaml("""
                hostname: gateway.test
                listeners:
                  - name: submission
                    bind: 127.0.0.1:0
                    auth: {require-tls: false}
                    relay: authenticated
                  - name: proxied
                    bind: 127.0.0.1:0
                    proxy-protocol-from: [127.0.0.0/8]
                    auth: {require-tls: false}
                    relay: authenticated
                users:
                  inline:
                    - {name: %1$s, password-hash: "%2$s"}
                domains: [example.test]
                connectors: [{name: internet, type: drop, folder: drop/outbound}]
                routes: [{domains: ["*"], connector: internet}]
                delivery: {queue-only: true}
                auth-throttle: {delay-per-failure: 50ms, max-delay: 250ms}
                """.formatted(USER, hash));
    }

    @AfterEach
    void stop() throws Exception {
        gateway.close();
    }

    private SmtpScript from(String source) throws IOException {
        SmtpScript smtp = SmtpScript.connectFrom(source, gateway.port("submission"));
        smtp.expect("220").send("EHLO client.test").expect("250 ");
        return smtp;
    }

    private SmtpScript proxiedFrom(String ipv6Client) throws IOException {
        SmtpScript smtp = SmtpScript.connect(gateway.port("proxied"));
        smtp.sendRaw("PROXY TCP6 " + ipv6Client + " 2001:db8::25 40000 25\r\n");
        smtp.expect("220").send("EHLO client.test").expect("250 ");
        return smtp;
    }

    private static void guess(SmtpScript smtp, int n) throws IOException {
        smtp.send("AUTH PLAIN " + plain("", USER, "guess" + n)).expect("535 5.7.8");
    }

    /** Authenticates, then sends one message: the gateway serves the real user completely. */
    private void userSendsMail(SmtpScript smtp) throws IOException {
        smtp.send("AUTH PLAIN " + plain("", USER, PASSWORD)).expect("235 2.7.0");
        String id = smtp.sendMessage(USER, "friend@example.org", "Subject: still here\r\n\r\nx\r\n");
        assertThat(gateway.envelope(id).client().authenticatedAs()).isEqualTo(USER);
    }

    @Test
    void theThrottleFollowsItsConfigKeysAndRefusesBadValues() throws Exception {
        gateway.close();
        String yaml = """
                listeners: [{name: submission, bind: 127.0.0.1:0, auth: {require-tls: false}, relay: authenticated}]
                users: {inline: [{name: %s, password-hash: "%s"}]}
                auth-throttle: {max-failures: 2, delay-per-failure: 100ms, max-delay: 1s}
                """.formatted(USER, PasswordHashes.hash(PASSWORD.toCharArray(), 4));
        gateway = TestGateway.startYaml(yaml);
        try (SmtpScript smtp = from("127.0.0.20")) {
            guess(smtp, 1);
            guess(smtp, 2);
            smtp.send("AUTH PLAIN " + plain("", USER, PASSWORD)).expect("454 4.7.0");
        }
        assertThatThrownBy(() -> TestGateway.startYaml(yaml.replace("max-delay: 1s", "max-delay: 5m")))
                .hasMessageContaining("auth-throttle.max-delay");
        assertThatThrownBy(() -> TestGateway.startYaml(yaml.replace("max-failures: 2", "max-failures: 0")))
                .hasMessageContaining("auth-throttle.max-failures");
    }

    @Test
    void guessesFromFiveAddressesDoNotLockTheUserOutOfASixth() throws Exception {
        for (int i = 2; i <= 6; i++) {
            try (SmtpScript smtp = from("127.0.0." + i)) {
                guess(smtp, i);
            }
        }
        try (SmtpScript smtp = from("127.0.0.7")) {
            userSendsMail(smtp);
        }
        assertThat(gateway.queued()).hasSize(1);
    }

    @Test
    void aGuessingAddressIsRefusedEvenWithTheRightPasswordWhileOthersAreServed() throws Exception {
        try (SmtpScript smtp = from("127.0.0.9")) {
            guess(smtp, 1);
            guess(smtp, 2);
            smtp.send("AUTH PLAIN " + plain("", USER, "guess3")).expect("535 5.7.8").expect("421 4.7.0");
            smtp.expectClosed();
        }
        try (SmtpScript smtp = from("127.0.0.9")) {
            guess(smtp, 4);
            guess(smtp, 5);
            smtp.send("AUTH PLAIN " + plain("", USER, PASSWORD)).expect("454 4.7.0");
            smtp.send("MAIL FROM:<" + USER + ">").expect("250");
            smtp.send("RCPT TO:<friend@example.org>").expect("554 5.7.1"); // not authenticated: no relay
        }
        try (SmtpScript smtp = from("127.0.0.10")) {
            userSendsMail(smtp);
        }
        assertThat(gateway.queued()).hasSize(1);
    }

    @Test
    void anIpv6ClientRotatingThroughItsSlash64IsOneSource() throws Exception {
        for (int i = 1; i <= 5; i++) {
            try (SmtpScript smtp = proxiedFrom("2001:db8:1:2::" + Integer.toHexString(0xa0 + i))) {
                guess(smtp, i);
            }
        }
        try (SmtpScript smtp = proxiedFrom("2001:db8:1:2:ffff:ffff:ffff:fff0")) {
            smtp.send("AUTH PLAIN " + plain("", USER, PASSWORD)).expect("454 4.7.0");
        }
        try (SmtpScript smtp = proxiedFrom("2001:db8:1:3::1")) {
            userSendsMail(smtp);
        }
        try (SmtpScript smtp = from("127.0.0.11")) {
            userSendsMail(smtp);
        }
        assertThat(gateway.queued()).hasSize(2);
    }
}
