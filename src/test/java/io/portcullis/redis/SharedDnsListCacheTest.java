package io.portcullis.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.Dnsmasq;
import io.portcullis.testing.Eventually;
import io.portcullis.testing.RedisServer;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, the DNS list cache shared through Redis: node A asks a real dnsmasq about a listed and
 * a clean client and shares the answers (with their TTL); node B refuses the listed client and
 * serves the clean one without sending a single DNS query of its own.
 */
class SharedDnsListCacheTest {

    @Test
    void answersOneNodeGotServeTheOtherWithoutAQuery() throws Exception {
        try (RedisServer redis = RedisServer.start();
             Dnsmasq dns = Dnsmasq.start("--host-record=2.0.0.127.bl.test,127.0.0.2,300")) {
            String yaml = TestGateway.defaultYaml("").replace("  - name: outbound\n", """
                        phases:
                          connect: [bl]
                      - name: outbound
                    """).replace("  queue-only: true\n", "  queue-only: true\n  dns-resolver: 127.0.0.1:" + dns.port() + "\n")
                    + """
                    phase-checks:
                      - {name: bl, type: dnsbl, zones: [bl.test]}
                    shared-state:
                      redis: {address: "%s", timeout: 500ms}
                      dnsbl-cache: {store: redis}
                    """.formatted(redis.address());
            try (TestGateway nodeA = TestGateway.startYaml(yaml); TestGateway nodeB = TestGateway.startYaml(yaml)) {
                visit(nodeA);
                assertThat(queries(nodeA)).isEqualTo(2);
                Eventually.await(Duration.ofSeconds(10), "both answers in Redis", () -> {
                    try (var jedis = redis.client()) {
                        return jedis.keys("portcullis:dnsbl:*").size() == 2;
                    }
                });
                try (var jedis = redis.client()) {
                    for (String key : jedis.keys("portcullis:dnsbl:*")) {
                        assertThat(jedis.pttl(key)).as("TTL of " + key).isPositive();
                    }
                }
                visit(nodeB);
                assertThat(queries(nodeB)).isZero();
            }
        }
    }

    /** The listed client (127.0.0.2) is refused at connect, the clean one (127.0.0.1) sends a message. */
    private static void visit(TestGateway node) throws Exception {
        try (SmtpScript listed = SmtpScript.connectFrom("127.0.0.2", node.inboundPort())) {
            listed.expect("554 5.7.1 Service unavailable; client [127.0.0.2] listed by bl.test");
        }
        try (SmtpScript clean = SmtpScript.connectFrom("127.0.0.1", node.inboundPort())) {
            clean.expect("220").send("EHLO client.example").expect("250");
            clean.sendMessage("someone@example.org", "user@example.test", "Subject: hi\r\n\r\nhi\r\n");
        }
    }

    /** DNS list queries the node sent (answers from a cache are not counted). */
    private static double queries(TestGateway node) {
        double sum = 0;
        for (String line : node.metrics().split("\n")) {
            if (line.startsWith("portcullis_dnsbl_lookups_total{")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }
}
