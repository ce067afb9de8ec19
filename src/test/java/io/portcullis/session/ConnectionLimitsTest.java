package io.portcullis.session;

import java.time.Duration;
import io.portcullis.testing.Eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import org.junit.jupiter.api.Test;

/** Limits that apply before or around a session: connection counts, the greeting, disk space. */
class ConnectionLimitsTest {

    @Test
    void connectionsOverTheListenerLimitGet421() throws Exception {
        try (TestGateway gateway = TestGateway.start("max-connections: 2\nmax-connections-per-ip: 10\n");
             SmtpScript first = gateway.connect();
             SmtpScript second = gateway.connect()) {
            first.expect("220");
            second.expect("220");
            try (SmtpScript third = gateway.connect()) {
                third.expect("421 4.3.2");
                third.expectClosed();
            }
            first.send("QUIT").expect("221");
            first.expectClosed();
            awaitActive(gateway, 1);
            try (SmtpScript again = gateway.connect()) {
                again.expect("220");
            }
        }
    }

    @Test
    void connectionsOverThePerAddressLimitGet421() throws Exception {
        try (TestGateway gateway = TestGateway.start("max-connections-per-ip: 1\n");
             SmtpScript first = gateway.connect()) {
            first.expect("220");
            try (SmtpScript second = gateway.connect()) {
                second.expect("421 4.7.0");
                second.expectClosed();
            }
        }
    }

    @Test
    void clientThatTalksBeforeTheGreetingIsRefused() throws Exception {
        try (TestGateway gateway = TestGateway.start("greeting-delay: 300ms\n")) {
            try (SmtpScript eager = gateway.connect()) {
                eager.send("EHLO spammer.test").expect("554 5.5.0");
                eager.expectClosed();
            }
            try (SmtpScript patient = gateway.connect()) {
                patient.expect("220").send("EHLO client.test").expect("250 ");
            }
            assertThat(gateway.queued()).isEmpty();
        }
    }

    @Test
    void lowDiskSpaceAnswersMailWith452() throws Exception {
        String yaml = TestGateway.defaultYaml("").replace("hostname: gateway.test",
                "hostname: gateway.test\nspool:\n  min-free-space: 100000000GB");
        try (TestGateway gateway = TestGateway.startYaml(yaml); SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.send("MAIL FROM:<a@example.org>").expect("452 4.3.1");
            smtp.send("RCPT TO:<b@example.test>").expect("503 5.5.1");
            assertThat(gateway.queued()).isEmpty();
        }
    }

    private static void awaitActive(TestGateway gateway, int count) throws Exception {
        Eventually.await(Duration.ofSeconds(5), "at most " + count + " active connections",
                () -> gateway.activeConnections("inbound") <= count);
    }
}
