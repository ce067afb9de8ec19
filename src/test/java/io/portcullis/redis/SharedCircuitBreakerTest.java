package io.portcullis.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.RedisServer;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.SmtpSink;
import io.portcullis.testing.TestGateway;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, circuit breakers shared through Redis: a scanner (spamd) that is down makes node A's
 * breaker open after five failures in a row; node B, which never called it, counts the circuit as
 * open too and does not call it (its first message is answered "circuit-open", not "error"). Mail
 * flows on both (the step fails open).
 */
class SharedCircuitBreakerTest {
    private static final String MESSAGE = "From: <sender@remote.test>\r\nSubject: lunch\r\n\r\nTuesday?\r\n";

    @Test
    void aCircuitOpenedOnNodeAIsOpenOnNodeB() throws Exception {
        int deadPort = SmtpSink.freePort(); // nothing listens: every call fails at once
        try (RedisServer redis = RedisServer.start()) {
            String yaml = TestGateway.contentYaml("""
                    - name: spamd
                      type: spamd
                      address: 127.0.0.1:%d
                      timeout: 2s
                    """.formatted(deadPort), """
                    content:
                      chain:
                        - check: spamd
                          on-failure: fail-open
                    """, "") + """
                    shared-state:
                      redis: {address: "%s", timeout: 500ms}
                      circuit-breakers: {store: redis, on-failure: open}
                    """.formatted(redis.address());
            try (TestGateway nodeA = TestGateway.startYaml(yaml); TestGateway nodeB = TestGateway.startYaml(yaml)) {
                for (int i = 0; i < 5; i++) {
                    send(nodeA);
                }
                assertThat(nodeA.metrics()).contains(
                        "portcullis_content_checks_total{check=\"spamd\",listener=\"inbound\",result=\"error\"} 5.0");
                send(nodeB);
                assertThat(nodeB.metrics())
                        .contains("portcullis_content_checks_total{check=\"spamd\",listener=\"inbound\",result=\"circuit-open\"} 1.0")
                        .doesNotContain("result=\"error\"");
                assertThat(nodeB.queued()).hasSize(1);
                try (var jedis = redis.client()) {
                    String key = jedis.keys("portcullis:breaker:*").iterator().next();
                    assertThat(jedis.pttl(key)).isBetween(1L, 30_000L); // the open period, expiring by itself
                }
            }
        }
    }

    private static void send(TestGateway node) throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(node.inboundPort())) {
            smtp.expect("220").send("EHLO internal.example.test").expect("250 ");
            smtp.transaction("user@remote.test", "someone@example.test", MESSAGE, "250 2.0.0");
        }
    }
}
