package io.portcullis.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.Eventually;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * phases.tarpit: before each policy refusal at RCPT (here: relay denied) the session waits delay
 * times the refusals so far, capped at max-delay, on its own virtual thread: other clients are
 * served meanwhile, the wait takes nothing from the client's command-timeout, and it ends when
 * the gateway closes the connection.
 */
class TarpitTest {
    private static final String MESSAGE = "Subject: hi\r\n\r\nhello\r\n";

    private static String yaml(String tarpit) throws IOException {
        return TestGateway.defaultYaml("command-timeout: 2s\nmax-errors: 20")
                .replace("  - name: outbound\n", "    phases:\n      tarpit: " + tarpit + "\n  - name: outbound\n");
    }

    @Test
    void eachRefusalWaitsLongerWhileOthersAreServed() throws Exception {
        try (TestGateway gateway = TestGateway.startYaml(yaml("{delay: 1s, max-delay: 10s}"))) {
            CountDownLatch tarpitted = new CountDownLatch(1);
            CompletableFuture<Duration> refusals = CompletableFuture.supplyAsync(() -> {
                try (SmtpScript smtp = SmtpScript.connectFrom("127.0.0.2", gateway.inboundPort())) {
                    smtp.expect("220");
                    smtp.send("EHLO client.example.org").expect("250 ");
                    smtp.send("MAIL FROM:<a@sender.test>").expect("250 2.1.0");
                    long start = System.nanoTime();
                    smtp.send("RCPT TO:<x@elsewhere.test>");
                    tarpitted.countDown();
                    smtp.expect("554 5.7.1 Relay access denied");
                    smtp.send("RCPT TO:<y@elsewhere.test>").expect("554 5.7.1 Relay access denied");
                    smtp.send("RCPT TO:<z@elsewhere.test>").expect("554 5.7.1 Relay access denied");
                    Duration waited = Duration.ofNanos(System.nanoTime() - start);
                    // 1s + 2s + 3s of tarpit, each longer than the 2s command-timeout: the session goes on.
                    smtp.send("RCPT TO:<user@example.test>").expect("250 2.1.5");
                    smtp.send("DATA").expect("354");
                    smtp.sendRaw(MESSAGE + ".\r\n").expect("250 2.0.0");
                    smtp.send("QUIT").expect("221");
                    return waited;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, runnable -> Thread.ofVirtual().start(runnable));
            assertThat(tarpitted.await(30, TimeUnit.SECONDS)).isTrue();
            try (SmtpScript other = SmtpScript.connectFrom("127.0.0.3", gateway.inboundPort())) {
                other.expect("220");
                other.send("EHLO other.example.org").expect("250 ");
                other.sendMessage("b@sender.test", "user@example.test", MESSAGE);
            }
            assertThat(refusals).as("the other client was served while this one was in the tarpit").isNotDone();
            Duration waited = refusals.get(60, TimeUnit.SECONDS);
            assertThat(waited).as("three refusals: at least delay + 2 * delay").isGreaterThanOrEqualTo(Duration.ofSeconds(3));
            assertThat(gateway.queued()).hasSize(2);
        }
    }

    @Test
    void delayIsCappedAtMaxDelay() throws Exception {
        try (TestGateway gateway = TestGateway.startYaml(yaml("{delay: 500ms, max-delay: 500ms}"));
             SmtpScript smtp = SmtpScript.connectFrom("127.0.0.2", gateway.inboundPort())) {
            smtp.expect("220");
            smtp.send("EHLO client.example.org").expect("250 ");
            smtp.send("MAIL FROM:<a@sender.test>").expect("250 2.1.0");
            long start = System.nanoTime();
            for (int i = 0; i < 6; i++) {
                smtp.send("RCPT TO:<x" + i + "@elsewhere.test>").expect("554 5.7.1 Relay access denied");
            }
            Duration waited = Duration.ofNanos(System.nanoTime() - start);
            assertThat(waited).as("6 * 500ms capped (3s), not 0.5 + 1 + ... + 3s (10.5s)")
                    .isGreaterThanOrEqualTo(Duration.ofSeconds(3)).isLessThan(Duration.ofSeconds(8));
            smtp.send("RCPT TO:<user@example.test>").expect("250 2.1.5");
        }
    }

    @Test
    void closingTheGatewayEndsTheWait() throws Exception {
        TestGateway gateway = TestGateway.startYaml(yaml("{delay: 60s, max-delay: 60s}"));
        try (SmtpScript smtp = SmtpScript.connectFrom("127.0.0.2", gateway.inboundPort())) {
            smtp.expect("220");
            smtp.send("EHLO client.example.org").expect("250 ");
            smtp.send("MAIL FROM:<a@sender.test>").expect("250 2.1.0");
            smtp.send("RCPT TO:<x@elsewhere.test>");
            Eventually.await(Duration.ofSeconds(10), "the refusal counted (the session is in the tarpit)",
                    () -> gateway.metrics().contains("check=\"relay\",flow=\"inbound\",listener=\"inbound\",phase=\"rcpt\","
                            + "result=\"reject\"} 1.0"));
        } finally {
            gateway.close();
        }
        Eventually.await(Duration.ofSeconds(10), "the tarpitted session ended with its connection",
                () -> gateway.activeConnections("inbound") == 0);
    }
}
