package io.portcullis.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.spool.DeliveryRecord;
import io.portcullis.testing.Eventually;
import io.portcullis.testing.Dnsmasq;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.SmtpSink;
import io.portcullis.testing.TestGateway;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * MX delivery with answers from a real DNS server (dnsmasq on loopback): preference order and
 * failover, the implicit MX, null MX, a non-existent domain, a failing DNS server, and an MX that
 * points back at this gateway. The MX hosts are smtp-sinks on one port at 127.0.0.1 (accepts),
 * 127.0.0.2 (greets with 421) and 127.0.0.3 (accepts); the connector allow-lists loopback, which
 * MX delivery otherwise refuses (see {@link InternalAddressMxTest}).
 */
class MxDeliveryTest {
    private static Dnsmasq dns;
    private static SmtpSink sink;
    private static SmtpSink refusing;
    private static SmtpSink near;
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        sink = SmtpSink.start(0);
        refusing = SmtpSink.startOn("127.0.0.2", sink.port(), "-v", "-Q", "CONNECT");
        near = SmtpSink.startOn("127.0.0.3", sink.port(), "-v");
        dns = Dnsmasq.start(
                "--mx-host=failover.test,mx2.failover.test,20", "--mx-host=failover.test,mx1.failover.test,10",
                "--host-record=mx1.failover.test,127.0.0.2", "--host-record=mx2.failover.test,127.0.0.1",
                "--mx-host=preference.test,far.preference.test,30", "--mx-host=preference.test,near.preference.test,5",
                "--host-record=far.preference.test,127.0.0.1", "--host-record=near.preference.test,127.0.0.3",
                "--host-record=implicit.test,127.0.0.1",
                "--dns-rr=nullmx.test,15,000000",
                "--server=/broken.test/#",
                "--mx-host=loop.test,mx.loop.test,10", "--host-record=mx.loop.test,127.0.0.1");
        int ownPort = SmtpSink.freePort();
        String yaml = TestGateway.deliveringYaml("""
                domains: [example.test]
                connectors:
                  - name: internet
                    type: mx
                    port: %d
                    tls: none
                    allow-internal-addresses: [127.0.0.0/8]
                  - name: loopy
                    type: mx
                    port: %d
                    tls: none
                    allow-internal-addresses: [127.0.0.0/8]
                  - name: bounces
                    type: drop
                    folder: drop/bounces
                routes:
                  - domains: [loop.test]
                    connector: loopy
                    flows: [outbound]
                  - domains: ["*"]
                    connector: internet
                    flows: [outbound]
                  - domains: ["*"]
                    connector: bounces
                    flows: [local]
                delivery:
                  retry: [1m]
                  dns-resolver: 127.0.0.1:%d
                """.formatted(sink.port(), ownPort, dns.port()));
        gateway = TestGateway.startYaml(yaml.replace("  - name: outbound\n    bind: 127.0.0.1:0",
                "  - name: outbound\n    bind: 127.0.0.1:" + ownPort));
    }

    @AfterAll
    static void stop() throws Exception {
        io.portcullis.testing.Closing.closeAll(gateway, dns, sink, refusing, near);
    }

    private static String send(String recipient) throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(gateway.port("outbound"))) {
            smtp.expect("220").send("EHLO internal.example.test").expect("250 ");
            return smtp.sendMessage("sender@example.test", recipient, "Subject: via MX\r\n\r\nx\r\n");
        }
    }

    /** Waits until the message has left the queue (delivered, or bounced for good). */
    private static void awaitDone(String id) throws Exception {
        Eventually.await(java.time.Duration.ofSeconds(10), id + " left the queue", () -> !gateway.queued().contains(id));
    }

    /** Connections smtp-sink -v logged (SmtpSink checks readiness in /proc, without connecting). */
    private static long connections(SmtpSink host) throws Exception {
        return host.log().lines().filter(line -> line.contains("smtp-sink: connect (")).count();
    }

    @Test
    void triesMxHostsInPreferenceOrderAndFailsOver() throws Exception {
        // mx1 (preference 10) greets with 421; mx2 (20) accepts. Nothing is tried after a host took the
        // message, so a connection to mx1 means it was tried first.
        int before = sink.transactions().size();
        long refusedBefore = connections(refusing);
        String id = send("user@failover.test");
        awaitDone(id);
        assertThat(sink.awaitTransactions(before + 1, 5)).anySatisfy(t -> assertThat(t).contains("X-Rcpt-Args: <user@failover.test>"));
        assertThat(connections(refusing)).as("mx1 tried before mx2").isEqualTo(refusedBefore + 1);
    }

    @Test
    void theLowestPreferenceTakesTheMessageAndTheOthersAreNotContacted() throws Exception {
        // DNS lists far (30, 127.0.0.1) before near (5, 127.0.0.3): the preference decides, not the order.
        int farBefore = sink.transactions().size();
        long nearConnectionsBefore = connections(near);
        String id = send("user@preference.test");
        awaitDone(id);
        assertThat(near.awaitTransactions(1, 5)).singleElement().satisfies(t -> assertThat(t).contains("X-Rcpt-Args: <user@preference.test>"));
        assertThat(connections(near)).isEqualTo(nearConnectionsBefore + 1);
        assertThat(sink.transactions()).as("far, preference 30, not used").hasSize(farBefore)
                .noneSatisfy(t -> assertThat(t).contains("user@preference.test"));
    }

    @Test
    void domainWithoutMxIsItsOwnMailServer() throws Exception {
        int before = sink.transactions().size();
        String id = send("user@implicit.test");
        awaitDone(id);
        assertThat(sink.awaitTransactions(before + 1, 5)).anySatisfy(t -> assertThat(t).contains("X-Rcpt-Args: <user@implicit.test>"));
    }

    @Test
    void nullMxNonexistentDomainAndMailLoopBounce() throws Exception {
        for (String[] testCase : new String[][] {{"user@nullmx.test", "5.1.10"}, {"user@nowhere.test", "5.1.2"},
                {"user@loop.test", "5.4.6"}}) {
            String id = send(testCase[0]);
            awaitDone(id);
            assertThat(awaitBounceFor(testCase[0])).contains("Action: failed", "Status: " + testCase[1]);
        }
    }

    @Test
    void failingDnsDefersInsteadOfBouncing() throws Exception {
        String id = send("user@broken.test");
        List<DeliveryRecord> journal = gateway.awaitJournal(id, DeliveryRecord.Type.DEFERRED, 15);
        assertThat(journal).anySatisfy(r -> assertThat(r.reply()).startsWith("451 4.4.3"));
        assertThat(gateway.queued()).contains(id);
    }

    private static String awaitBounceFor(String recipient) throws Exception {
        java.nio.file.Path bounces = gateway.dataDirectory().resolve("drop/bounces");
        return Eventually.value(java.time.Duration.ofSeconds(10), "a bounce for " + recipient, () -> {
            if (java.nio.file.Files.exists(bounces)) {
                try (var files = java.nio.file.Files.list(bounces)) {
                    for (var file : files.filter(p -> p.toString().endsWith(".eml")).toList()) {
                        String text = java.nio.file.Files.readString(file);
                        if (text.contains("Final-Recipient: rfc822; " + recipient)) {
                            return text;
                        }
                    }
                }
            }
            return null;
        }, java.util.Objects::nonNull);
    }
}
