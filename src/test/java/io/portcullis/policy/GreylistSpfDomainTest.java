package io.portcullis.policy;

import static io.portcullis.policy.GreylistingTest.GREYLISTED;
import static io.portcullis.policy.GreylistingTest.attempt;
import static io.portcullis.policy.GreylistingTest.deliver;
import static io.portcullis.policy.GreylistingTest.yaml;
import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.Dnsmasq;
import io.portcullis.testing.MutableClock;
import io.portcullis.testing.TestGateway;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code spf-domain: true}: a large sender retries from another of its outbound hosts, outside the
 * first one's /24. When the sender's SPF record (served by a real dnsmasq) passes for the client,
 * the triplet is keyed by the sender's domain instead of the client network, so the retry from any
 * host the domain authorises passes. Without an SPF pass (no record, or a fail) the network counts.
 */
class GreylistSpfDomainTest {
    private static Dnsmasq dns;

    @BeforeAll
    static void startDns() throws Exception {
        dns = Dnsmasq.start(
                Dnsmasq.txtRecord("bulk.test", "v=spf1 ip4:127.0.0.0/16 -all"),
                Dnsmasq.txtRecord("elsewhere.test", "v=spf1 ip4:192.0.2.0/24 -all"));
    }

    @AfterAll
    static void stopDns() throws Exception {
        if (dns != null) {
            dns.close();
        }
    }

    private static String config() throws Exception {
        return yaml("spf-domain: true").replace("delivery:\n  queue-only: true\n",
                "delivery:\n  queue-only: true\n  dns-resolver: 127.0.0.1:" + dns.port() + "\n");
    }

    @Test
    void aRetryFromAnotherHostTheDomainAuthorisesPasses() throws Exception {
        MutableClock clock = new MutableClock();
        try (TestGateway gateway = TestGateway.startYaml(config(), clock)) {
            assertThat(attempt(gateway, "127.0.0.2", "news@bulk.test", "bob@example.test")).startsWith(GREYLISTED);
            assertThat(attempt(gateway, "127.0.0.2", "news@nospf.test", "bob@example.test")).startsWith(GREYLISTED);
            assertThat(attempt(gateway, "127.0.0.2", "news@elsewhere.test", "bob@example.test")).startsWith(GREYLISTED);
            clock.advance(Duration.ofMinutes(5));
            deliver(gateway, "127.0.1.9", "news@bulk.test", "bob@example.test");
            assertThat(gateway.queued()).hasSize(1);
            // no SPF pass: keyed by the client network, and 127.0.1.0/24 is a new one
            assertThat(attempt(gateway, "127.0.1.9", "news@nospf.test", "bob@example.test")).startsWith(GREYLISTED);
            assertThat(attempt(gateway, "127.0.1.9", "news@elsewhere.test", "bob@example.test")).startsWith(GREYLISTED);
            assertThat(gateway.queued()).hasSize(1);
            assertThat(dns.queries()).contains("bulk.test");
        }
    }
}
