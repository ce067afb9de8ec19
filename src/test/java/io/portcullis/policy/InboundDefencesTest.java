package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.observe.TrackingEvent;
import io.portcullis.testing.Dnsmasq;
import io.portcullis.testing.MutableClock;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 13's acceptance end to end, as an admin would set up the inbound listener: a block list,
 * an allow list and greylisting together, with zones served by a real DNS server. A listed client
 * is refused at connect (tracked and counted); a DNSWL-listed client skips greylisting; an unknown
 * client's triplet is greylisted, accepted after the delay, and the state survives a restart.
 */
class InboundDefencesTest {
    private static final String CHECKS = """
            - name: dnsbl
              type: dnsbl
              zones: ["bl.test*3", "wl.test=127.0.[0..255].[1..3]*-3"]
              threshold: 3
            - name: greylist
              type: greylist
              delay: 5m
            """;
    private static final String PHASES = """
            phases:
              connect: [access, connection-rate, dnsbl, pregreet]
              rcpt: [routing, recipients, relay, recipient-rate, greylist]
            """;
    private static Dnsmasq dns;
    private final MutableClock clock = new MutableClock();
    private TestGateway gateway;

    @BeforeAll
    static void startDns() throws Exception {
        dns = Dnsmasq.start(
                "--host-record=2.0.0.127.bl.test,127.0.0.2,300",      // 127.0.0.2: listed
                "--host-record=3.0.0.127.wl.test,127.0.10.2,300");    // 127.0.0.3: allow-listed
    }

    @AfterAll
    static void stopDns() throws Exception {
        dns.close();
    }

    @AfterEach
    void stop() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
    }

    private void start() throws Exception {
        String yaml = TestGateway.defaultYaml("");
        yaml = yaml.replace("  - name: outbound\n", PHASES.stripIndent().indent(4) + "  - name: outbound\n");
        yaml = yaml.replace("  queue-only: true\n", "  queue-only: true\n  dns-resolver: 127.0.0.1:" + dns.port() + "\n");
        gateway = TestGateway.startYaml(yaml + "phase-checks:\n" + CHECKS.stripIndent().indent(2), clock);
    }

    @Test
    void aListedClientIsRefusedAtConnectAndTheRefusalIsTrackedAndCounted() throws Exception {
        start();
        try (SmtpScript smtp = SmtpScript.connectFrom("127.0.0.2", gateway.inboundPort())) {
            smtp.expect("554 5.7.1 Service unavailable; client [127.0.0.2] listed by bl.test").expectClosed();
        }
        List<TrackingEvent> refusals = gateway.trackedRefusals();
        assertThat(refusals).singleElement().satisfies(event -> {
            assertThat(event.client()).isEqualTo("127.0.0.2");
            assertThat(event.phase()).isEqualTo("connect");
            assertThat(event.check()).isEqualTo("dnsbl");
        });
        assertThat(gateway.metrics()).contains("portcullis_policy_verdicts_total{check=\"dnsbl\",flow=\"inbound\","
                + "listener=\"inbound\",phase=\"connect\",result=\"disconnect\"} 1.0");
    }

    @Test
    void aDnswlListedClientSkipsGreylistingAndAnUnknownOneIsGreylistedUntilTheDelayAcrossARestart() throws Exception {
        start();
        // allow-listed by wl.test: accepted at once
        try (SmtpScript smtp = SmtpScript.connectFrom("127.0.0.3", gateway.inboundPort())) {
            smtp.expect("220 ").send("EHLO mx.friend.test").expect("250 ");
            smtp.sendMessage("a@friend.test", "someone@example.test", "Subject: at once\r\n\r\nhi\r\n");
        }
        assertThat(gateway.metrics()).contains("portcullis_policy_verdicts_total{check=\"greylist\",flow=\"inbound\","
                + "listener=\"inbound\",phase=\"rcpt\",result=\"filter-skipped\"} 1.0");
        // unknown: greylisted, nothing queued
        assertThat(rcpt("127.0.0.4")).isEqualTo("451 4.7.1 Greylisted, please try again later");
        assertThat(gateway.queued()).hasSize(1);
        clock.advance(Duration.ofMinutes(1));
        assertThat(rcpt("127.0.0.4")).startsWith("451 4.7.1");
        gateway.restart();
        clock.advance(Duration.ofMinutes(5));
        assertThat(rcpt("127.0.0.4")).isEqualTo("250 2.1.5 Recipient OK");
        try (SmtpScript smtp = SmtpScript.connectFrom("127.0.0.4", gateway.inboundPort())) {
            smtp.expect("220 ").send("EHLO mx.stranger.test").expect("250 ");
            smtp.sendMessage("b@stranger.test", "someone@example.test", "Subject: later\r\n\r\nhi\r\n");
        }
        assertThat(gateway.queued()).hasSize(2);
    }

    private String rcpt(String client) throws Exception {
        try (SmtpScript smtp = SmtpScript.connectFrom(client, gateway.inboundPort())) {
            smtp.expect("220 ").send("EHLO mx.stranger.test").expect("250 ");
            smtp.send("MAIL FROM:<b@stranger.test>").expect("250 2.1.0");
            return smtp.send("RCPT TO:<someone@example.test>").readReply().strip();
        }
    }
}
