package io.portcullis.policy;

import static io.portcullis.policy.DnsListGateways.metric;
import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.observe.TrackingEvent;
import io.portcullis.testing.Dnsmasq;
import io.portcullis.testing.Eventually;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * DNSBL/DNSWL at connect (type dnsbl), against zones served by a real dnsmasq on loopback; clients
 * connect from 127.0.0.x, so each address is a differently listed client. The zone slow.test is
 * forwarded to a UDP socket that never answers.
 */
class DnsBlockListTest {
    private static final String SIXTEEN_ZERO_NIBBLES = "0.".repeat(31);
    private static final String INBOUND = "flow=\"inbound\",listener=\"inbound\"";

    private static DatagramSocket silent;
    private static Dnsmasq dns;

    @BeforeAll
    static void startDns() throws Exception {
        silent = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0)); // receives queries, never answers
        dns = Dnsmasq.start(
                "--server=/slow.test/127.0.0.1#" + silent.getLocalPort(),
                "--host-record=2.0.0.127.bl.test,127.0.0.2,300",
                "--host-record=3.0.0.127.bl.test,127.0.0.2,300",
                "--host-record=4.0.0.127.bl.test,127.0.0.2,300",
                "--host-record=4.0.0.127.second.test,127.0.0.3,300",
                "--host-record=5.0.0.127.bl.test,127.0.0.1,300",
                "--host-record=6.0.0.127.bl.test,127.0.0.2,300",
                "--host-record=6.0.0.127.wl.test,127.0.10.2,300",
                "--host-record=7.0.0.127.bl.test,127.255.255.254,300",
                "--host-record=8.0.0.127.cache.test,127.0.0.4,300",
                "--host-record=1." + SIXTEEN_ZERO_NIBBLES + "bl.test,127.0.0.2,300");
    }

    @AfterAll
    static void stopDns() throws Exception {
        dns.close();
        silent.close();
    }

    @Test
    void listedClientIsRefusedAtConnectNamingTheZoneTrackedAndCounted() throws Exception {
        try (TestGateway gateway = DnsListGateways.start(dns.port(), """
                - name: bl
                  type: dnsbl
                  zones: ["bl.test*3"]
                """, """
                phases:
                  connect: [bl]
                """)) {
            try (SmtpScript listed = SmtpScript.connectFrom("127.0.0.2", gateway.inboundPort())) {
                listed.expect("554 5.7.1 Service unavailable; client [127.0.0.2] listed by bl.test");
                listed.expectClosed();
            }
            try (SmtpScript clean = SmtpScript.connectFrom("127.0.0.1", gateway.inboundPort())) {
                clean.expect("220").send("EHLO client.example").expect("250");
                clean.sendMessage("someone@example.org", "user@example.test", "Subject: hi\r\n\r\nhi\r\n");
            }
            List<TrackingEvent> refusals = Eventually.value(Duration.ofSeconds(10), "the refusal in the tracking log",
                    () -> DnsListGateways.refusals(gateway), list -> !list.isEmpty());
            assertThat(refusals).singleElement().satisfies(event -> {
                assertThat(event.event()).isEqualTo("REJECT");
                assertThat(event.client()).isEqualTo("127.0.0.2");
                assertThat(event.phase()).isEqualTo("connect");
                assertThat(event.check()).isEqualTo("bl");
                assertThat(event.reason()).isEqualTo("dnsbl");
                assertThat(event.reply()).isEqualTo("554 5.7.1 Service unavailable; client [127.0.0.2] listed by bl.test");
            });
            assertThat(metric(gateway, "portcullis_policy_verdicts_total{check=\"bl\"," + INBOUND
                    + ",phase=\"connect\",result=\"disconnect\"}")).isEqualTo(1.0);
            assertThat(metric(gateway, "portcullis_policy_verdicts_total{check=\"bl\"," + INBOUND
                    + ",phase=\"connect\",result=\"accept\"}")).isEqualTo(1.0);
            assertThat(metric(gateway, "portcullis_connections_refused_total{" + INBOUND + ",reason=\"dnsbl\"}"))
                    .isEqualTo(1.0);
            assertThat(metric(gateway, "portcullis_dnsbl_lookups_total{check=\"bl\",result=\"listed\",zone=\"bl.test\"}"))
                    .isEqualTo(1.0);
            assertThat(metric(gateway, "portcullis_dnsbl_lookups_total{check=\"bl\",result=\"clear\",zone=\"bl.test\"}"))
                    .isEqualTo(1.0);
            assertThat(gateway.queued()).hasSize(1);
        }
    }

    @Test
    void weightsAddUpToTheThreshold() throws Exception {
        try (TestGateway gateway = DnsListGateways.start(dns.port(), """
                - name: bl
                  type: dnsbl
                  zones: ["bl.test*1", "second.test*1"]
                  threshold: 2
                """, """
                phases:
                  connect: [bl]
                """)) {
            try (SmtpScript once = SmtpScript.connectFrom("127.0.0.3", gateway.inboundPort())) {
                once.expect("220").send("EHLO client.example").expect("250");
                once.sendMessage("someone@example.org", "user@example.test", "Subject: hi\r\n\r\nhi\r\n");
            }
            try (SmtpScript twice = SmtpScript.connectFrom("127.0.0.4", gateway.inboundPort())) {
                twice.expect("554 5.7.1 Service unavailable; client [127.0.0.4] listed by bl.test");
                twice.expectClosed();
            }
            assertThat(gateway.queued()).hasSize(1);
        }
    }

    @Test
    void allowListedClientSkipsLaterFiltersAndAnUnlistedOneIsRefusedLater() throws Exception {
        try (TestGateway gateway = DnsListGateways.start(dns.port(), """
                - name: wl
                  type: dnsbl
                  zones: ["wl.test=127.0.[0..255].[0..3]*-2", "bl.test*1"]
                  threshold: 5
                - name: late
                  type: dnsbl
                  zones: ["bl.test*3"]
                """, """
                phases:
                  connect: [wl]
                  helo: [late]
                """)) {
            // 6 is in both lists: -2 + 1 = -1, at the allow-threshold: allow-listed, "late" skipped
            try (SmtpScript allowed = SmtpScript.connectFrom("127.0.0.6", gateway.inboundPort())) {
                allowed.expect("220").send("EHLO client.example").expect("250");
                allowed.sendMessage("someone@example.org", "user@example.test", "Subject: hi\r\n\r\nhi\r\n");
            }
            // 2 is only block-listed: 1 is below wl's threshold, so "late" refuses it at EHLO
            try (SmtpScript listed = SmtpScript.connectFrom("127.0.0.2", gateway.inboundPort())) {
                listed.expect("220").send("EHLO client.example")
                        .expect("554 5.7.1 Service unavailable; client [127.0.0.2] listed by bl.test");
                listed.send("QUIT").expect("221");
            }
            assertThat(metric(gateway, "portcullis_policy_verdicts_total{check=\"wl\"," + INBOUND
                    + ",phase=\"connect\",result=\"allow\"}")).isEqualTo(1.0);
            assertThat(metric(gateway, "portcullis_policy_verdicts_total{check=\"late\"," + INBOUND
                    + ",phase=\"helo\",result=\"filter-skipped\"}")).isEqualTo(1.0);
            assertThat(metric(gateway, "portcullis_policy_verdicts_total{check=\"late\"," + INBOUND
                    + ",phase=\"helo\",result=\"reject\"}")).isEqualTo(1.0);
            assertThat(gateway.queued()).hasSize(1);
        }
    }

    @Test
    void answerOutsideTheFilterIsNoListing() throws Exception {
        try (TestGateway gateway = DnsListGateways.start(dns.port(), """
                - name: bl
                  type: dnsbl
                  zones: ["bl.test=127.0.0.[2..11]*3"]
                """, """
                phases:
                  connect: [bl]
                """)) {
            try (SmtpScript filtered = SmtpScript.connectFrom("127.0.0.5", gateway.inboundPort())) {
                filtered.expect("220").send("EHLO client.example").expect("250");
                filtered.sendMessage("someone@example.org", "user@example.test", "Subject: hi\r\n\r\nhi\r\n");
            }
            try (SmtpScript listed = SmtpScript.connectFrom("127.0.0.2", gateway.inboundPort())) {
                listed.expect("554 5.7.1 Service unavailable; client [127.0.0.2] listed by bl.test");
            }
            assertThat(metric(gateway, "portcullis_dnsbl_lookups_total{check=\"bl\",result=\"clear\",zone=\"bl.test\"}"))
                    .isEqualTo(1.0);
            assertThat(metric(gateway, "portcullis_dnsbl_lookups_total{check=\"bl\",result=\"listed\",zone=\"bl.test\"}"))
                    .isEqualTo(1.0);
        }
    }

    @Test
    void refusedQueryAnswerIsSkippedNeverListed() throws Exception {
        try (TestGateway gateway = DnsListGateways.start(dns.port(), """
                - name: bl
                  type: dnsbl
                  zones: ["bl.test*3"]
                """, """
                phases:
                  connect: [bl]
                """)) {
            try (SmtpScript refused = SmtpScript.connectFrom("127.0.0.7", gateway.inboundPort())) {
                refused.expect("220").send("EHLO client.example").expect("250");
                refused.sendMessage("someone@example.org", "user@example.test", "Subject: hi\r\n\r\nhi\r\n");
            }
            assertThat(metric(gateway, "portcullis_policy_verdicts_total{check=\"bl\"," + INBOUND
                    + ",phase=\"connect\",result=\"skip\"}")).isEqualTo(1.0);
            assertThat(metric(gateway, "portcullis_dnsbl_lookups_total{check=\"bl\",result=\"error\",zone=\"bl.test\"}"))
                    .isEqualTo(1.0);
        }
    }

    @Test
    void zoneThatNeverAnswersIsSkippedWithinTheBudgetAndTheOthersDecide() throws Exception {
        try (TestGateway gateway = DnsListGateways.start(dns.port(), """
                - name: bl
                  type: dnsbl
                  zones: ["slow.test*3", "bl.test*3"]
                  timeout: 1s
                """, """
                phases:
                  connect: [bl]
                """)) {
            long start = System.nanoTime();
            try (SmtpScript listed = SmtpScript.connectFrom("127.0.0.2", gateway.inboundPort())) {
                listed.expect("554 5.7.1 Service unavailable; client [127.0.0.2] listed by bl.test");
            }
            Duration refusedAfter = Duration.ofNanos(System.nanoTime() - start);
            start = System.nanoTime();
            try (SmtpScript clean = SmtpScript.connectFrom("127.0.0.9", gateway.inboundPort())) {
                clean.expect("220");
                Duration greetedAfter = Duration.ofNanos(System.nanoTime() - start);
                clean.send("EHLO client.example").expect("250");
                clean.sendMessage("someone@example.org", "user@example.test", "Subject: hi\r\n\r\nhi\r\n");
                assertThat(greetedAfter).isLessThan(Duration.ofSeconds(6));
            }
            assertThat(refusedAfter).isLessThan(Duration.ofSeconds(6));
            assertThat(metric(gateway, "portcullis_dnsbl_lookups_total{check=\"bl\",result=\"timeout\",zone=\"slow.test\"}"))
                    .isEqualTo(2.0);
            assertThat(metric(gateway, "portcullis_policy_verdicts_total{check=\"bl\"," + INBOUND
                    + ",phase=\"connect\",result=\"skip\"}")).isEqualTo(1.0);
            assertThat(metric(gateway, "portcullis_policy_verdicts_total{check=\"bl\"," + INBOUND
                    + ",phase=\"connect\",result=\"disconnect\"}")).isEqualTo(1.0);
            assertThat(dns.queries()).contains("forwarded 2.0.0.127.slow.test", "forwarded 9.0.0.127.slow.test");
            assertThat(gateway.queued()).hasSize(1);
        }
    }

    @Test
    void ipv6ClientIsLookedUpAsNibbles() throws Exception {
        try (TestGateway gateway = DnsListGateways.start(dns.port(), "[::1]:0", """
                - name: bl
                  type: dnsbl
                  zones: ["bl.test*3"]
                """, """
                phases:
                  connect: [bl]
                """)) {
            try (SmtpScript listed = SmtpScript.connectFrom("::1", new InetSocketAddress("::1", gateway.inboundPort()))) {
                listed.expect("554 5.7.1 Service unavailable; client [0:0:0:0:0:0:0:1] listed by bl.test");
                listed.expectClosed();
            }
            assertThat(dns.queries()).contains("query[A] 1." + SIXTEEN_ZERO_NIBBLES + "bl.test from");
        }
    }

    @Test
    void answersAreCachedForTheirTtl() throws Exception {
        try (TestGateway gateway = DnsListGateways.start(dns.port(), """
                - name: bl
                  type: dnsbl
                  zones: ["cache.test*3"]
                """, """
                phases:
                  connect: [bl]
                """)) {
            for (int i = 0; i < 2; i++) {
                try (SmtpScript listed = SmtpScript.connectFrom("127.0.0.8", gateway.inboundPort())) {
                    listed.expect("554 5.7.1 Service unavailable; client [127.0.0.8] listed by cache.test");
                }
                try (SmtpScript clean = SmtpScript.connectFrom("127.0.0.1", gateway.inboundPort())) {
                    clean.expect("220").send("QUIT").expect("221");
                }
            }
            assertThat(count(dns.queries(), "query[A] 8.0.0.127.cache.test from")).isEqualTo(1);
            assertThat(count(dns.queries(), "query[A] 1.0.0.127.cache.test from")).isEqualTo(1);
            assertThat(metric(gateway, "portcullis_dnsbl_lookups_total{check=\"bl\",result=\"listed\",zone=\"cache.test\"}"))
                    .isEqualTo(1.0);
            assertThat(metric(gateway, "portcullis_dnsbl_lookups_total{check=\"bl\",result=\"clear\",zone=\"cache.test\"}"))
                    .isEqualTo(1.0);
            assertThat(metric(gateway, "portcullis_policy_verdicts_total{check=\"bl\"," + INBOUND
                    + ",phase=\"connect\",result=\"disconnect\"}")).isEqualTo(2.0);
        }
    }

    @Test
    void logAndScoreActionsLeaveTheDecisionToTheListenerScore() throws Exception {
        try (TestGateway gateway = DnsListGateways.start(dns.port(), """
                - name: logged
                  type: dnsbl
                  zones: ["bl.test*3"]
                  action: log
                - name: scored
                  type: dnsbl
                  zones: ["bl.test*3"]
                  action: score
                """, """
                phases:
                  connect: [logged, scored]
                  reject-score: 3
                """)) {
            try (SmtpScript listed = SmtpScript.connectFrom("127.0.0.2", gateway.inboundPort())) {
                listed.expect("554 5.7.1 Service unavailable; refused by policy score");
                listed.expectClosed();
            }
            try (SmtpScript clean = SmtpScript.connectFrom("127.0.0.1", gateway.inboundPort())) {
                clean.expect("220").send("EHLO client.example").expect("250");
                clean.sendMessage("someone@example.org", "user@example.test", "Subject: hi\r\n\r\nhi\r\n");
            }
            assertThat(metric(gateway, "portcullis_policy_verdicts_total{check=\"logged\"," + INBOUND
                    + ",phase=\"connect\",result=\"warn\"}")).isEqualTo(1.0);
            assertThat(metric(gateway, "portcullis_policy_verdicts_total{check=\"scored\"," + INBOUND
                    + ",phase=\"connect\",result=\"score\"}")).isEqualTo(1.0);
            assertThat(gateway.queued()).hasSize(1);
        }
    }

    @Test
    void tempfailActionAtConnectIs421AndCloses() throws Exception {
        try (TestGateway gateway = DnsListGateways.start(dns.port(), """
                - name: bl
                  type: dnsbl
                  zones: ["bl.test*3"]
                  action: tempfail
                """, """
                phases:
                  connect: [bl]
                """)) {
            try (SmtpScript listed = SmtpScript.connectFrom("127.0.0.2", gateway.inboundPort())) {
                listed.expect("421 4.7.1 Service unavailable; client [127.0.0.2] listed by bl.test, try again later");
                listed.expectClosed();
            }
            assertThat(metric(gateway, "portcullis_policy_verdicts_total{check=\"bl\"," + INBOUND
                    + ",phase=\"connect\",result=\"tempfail\"}")).isEqualTo(1.0);
        }
    }

    private static int count(String text, String what) {
        int count = 0;
        for (int at = text.indexOf(what); at >= 0; at = text.indexOf(what, at + 1)) {
            count++;
        }
        return count;
    }
}
