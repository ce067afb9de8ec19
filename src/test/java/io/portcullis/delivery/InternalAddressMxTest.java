package io.portcullis.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.Eventually;
import io.portcullis.testing.Closing;
import io.portcullis.testing.Dnsmasq;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.SmtpSink;
import io.portcullis.testing.TestGateway;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * MX and A/AAAA answers (from a real DNS server, dnsmasq) that point at loopback, private,
 * link-local, unspecified, multicast, broadcast and other non-public addresses, in every spelling,
 * are refused for good with {@code 554 5.4.4} naming the address, without a connection; only the
 * connector's {@code allow-internal-addresses} let one through. A "host inside our network"
 * listens at 127.0.0.2 (an smtp-sink logging each connection) and must never hear from us, not
 * even for a DSN to a sender domain whose MX points there.
 */
class InternalAddressMxTest {
    /** Domain label, the address its MX host has, and the reason the reply must give. */
    private static final String[][] CASES = {
        {"loopback", "127.0.0.2", "loopback"},
        {"loopback-high", "127.255.255.254", "loopback"},
        {"private10", "10.0.0.1", "private-use"},
        {"private172", "172.16.5.4", "private-use"},
        {"private192", "192.168.1.1", "private-use"},
        {"metadata", "169.254.169.254", "link-local"},
        {"cgnat", "100.64.0.1", "shared address space (CGNAT)"},
        {"unspecified", "0.0.0.0", "unspecified"},
        {"this-network", "0.1.2.3", "unspecified"},
        {"ietf", "192.0.0.8", "IETF protocol assignments"},
        {"multicast", "224.0.0.1", "multicast"},
        {"broadcast", "255.255.255.255", "broadcast"},
        {"reserved", "240.0.0.1", "reserved"},
        {"benchmark", "198.18.0.1", "benchmarking"},
        {"v6-loopback", "::1", "loopback"},
        {"v6-unspecified", "::", "unspecified"},
        {"v6-mapped", "::ffff:127.0.0.2", "loopback"},
        {"v6-mapped-private", "::ffff:10.1.2.3", "private-use"},
        {"v6-compatible", "::127.0.0.2", "loopback (IPv4 127.0.0.2 inside IPv6)"},
        {"v6-link-local", "fe80::1", "link-local"},
        {"v6-unique-local", "fd00::25", "unique-local"},
        {"v6-site-local", "fec0::1", "site-local"},
        {"v6-multicast", "ff02::1", "multicast"},
        {"nat64-private", "64:ff9b::a00:1", "private-use (IPv4 10.0.0.1 inside IPv6)"},
        {"nat64-loopback", "64:ff9b::7f00:1", "loopback (IPv4 127.0.0.1 inside IPv6)"},
        {"sixtofour", "2002:a9fe:a9fe::1", "link-local (IPv4 169.254.169.254 inside IPv6)"},
        {"v6-documentation", "2001:db8::25", "documentation"},
    };

    private static Dnsmasq dns;
    private static SmtpSink sink;
    private static SmtpSink internalHost;
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        sink = SmtpSink.start(0);
        internalHost = SmtpSink.startOn("127.0.0.2", sink.port(), "-v");
        List<String> records = new ArrayList<>();
        for (String[] c : CASES) {
            records.add("--mx-host=" + c[0] + ".test,mx." + c[0] + ".test,10");
            records.add(addressRecord("mx." + c[0] + ".test", c[1]));
        }
        records.addAll(List.of(
                "--host-record=implicit-internal.test,10.9.8.7", // no MX: the domain's own address
                "--mx-host=mixed.test,mx1.mixed.test,10", "--mx-host=mixed.test,mx2.mixed.test,20",
                addressRecord("mx1.mixed.test", "127.0.0.2"), addressRecord("mx2.mixed.test", "127.0.0.1"),
                "--mx-host=allowed.test,mx.allowed.test,10", addressRecord("mx.allowed.test", "127.0.0.1"),
                "--mx-host=evil.test,mx.evil.test,10", addressRecord("mx.evil.test", "127.0.0.2")));
        dns = Dnsmasq.start(records.toArray(String[]::new));
        gateway = TestGateway.startYaml(TestGateway.deliveringYaml("""
                domains: [example.test]
                connectors:
                  - name: internet
                    type: mx
                    port: %d
                    tls: none
                    allow-internal-addresses: [127.0.0.1/32]
                    timeouts: {connect: 2s, greeting: 2s, command: 2s, data-block: 2s, final: 2s}
                  - name: bounces
                    type: drop
                    folder: drop/bounces
                routes:
                  - domains: [example.test]
                    connector: bounces
                    flows: [local]
                  - domains: ["*"]
                    connector: internet
                    flows: [outbound, local]
                delivery:
                  retry: [1h]
                  dns-resolver: 127.0.0.1:%d
                """.formatted(sink.port(), dns.port())));
    }

    @AfterAll
    static void stop() throws Exception {
        Closing.closeAll(gateway, dns, sink, internalHost);
    }

    /** A raw A or AAAA record, so that dnsmasq serves exactly these octets. */
    private static String addressRecord(String name, String address) throws Exception {
        String hex = HexFormat.of().formatHex(InetAddress.getByName(address).getAddress());
        if (address.contains(":") && hex.length() == 8) {
            hex = "00000000000000000000ffff" + hex; // Java reads ::ffff:a.b.c.d as IPv4; DNS carries it as AAAA
        }
        return "--dns-rr=" + name + "," + (hex.length() == 8 ? 1 : 28) + "," + hex;
    }

    private static String send(String from, List<String> recipients) throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(gateway.port("outbound"))) {
            smtp.expect("220").send("EHLO internal.example.test").expect("250 ");
            smtp.send("MAIL FROM:<" + from + ">").expect("250");
            for (String recipient : recipients) {
                smtp.send("RCPT TO:<" + recipient + ">").expect("250");
            }
            smtp.send("DATA").expect("354");
            smtp.sendRaw("Subject: where to\r\n\r\nx\r\n.\r\n").expect("250");
            return smtp.queueId();
        }
    }

    private static long internalConnections() throws Exception {
        return internalHost.log().lines().filter(line -> line.contains("smtp-sink: connect (")).count(); // SmtpSink checks readiness in /proc, without connecting
    }

    @Test
    void everyNonPublicAddressIsRefusedForGoodWithoutAConnection() throws Exception {
        List<String> recipients = new ArrayList<>();
        for (String[] c : CASES) {
            recipients.add("user@" + c[0] + ".test");
        }
        recipients.add("user@implicit-internal.test");
        String id = send("sender@example.test", recipients);
        String dsn = awaitBounce(id);
        for (String[] c : CASES) {
            String address = com.google.common.net.InetAddresses.toAddrString(InetAddress.getByName(c[1]));
            assertThat(block(dsn, "user@" + c[0] + ".test")).contains("Action: failed", "Status: 5.4.4",
                    "Diagnostic-Code: smtp; 554 5.4.4 MX points to a non-public address " + address + " (mx." + c[0] + ".test: " + c[2]);
        }
        assertThat(block(dsn, "user@implicit-internal.test")).contains("Status: 5.4.4",
                "554 5.4.4 MX points to a non-public address 10.9.8.7 (implicit-internal.test: private-use)");
        assertThat(gateway.queued()).as("nothing left to retry").doesNotContain(id);
        assertThat(internalConnections()).isZero();
        assertThat(sink.transactions()).noneSatisfy(t -> assertThat(t).contains("X-Rcpt-Args: <user@"));
    }

    @Test
    void allowListedAddressesAreUsedAndANonPublicMxIsSkippedForAnAllowedOne() throws Exception {
        List<String> before = gateway.queued();
        String id = send("sender@example.test", List.of("user@allowed.test", "user@mixed.test"));
        awaitQueueBackTo(before);
        assertThat(sink.awaitTransactions(2, 10)).anySatisfy(t -> assertThat(t).contains("X-Rcpt-Args: <user@allowed.test>"))
                .anySatisfy(t -> assertThat(t).contains("X-Rcpt-Args: <user@mixed.test>"));
        assertThat(internalConnections()).as("mx1.mixed.test (127.0.0.2, preference 10) skipped").isZero();
        assertThat(gateway.queued()).doesNotContain(id);
    }

    @Test
    void aDsnToADomainWhoseMxIsInternalIsNotDelivered() throws Exception {
        // The recipient's MX is internal (a bounce), and so is the MX of the sender's domain (the DSN's destination).
        List<String> before = gateway.queued();
        String id = send("someone@evil.test", List.of("user@private10.test"));
        awaitQueueBackTo(before); // the message bounced, and its DSN was refused in turn
        assertThat(gateway.queued()).doesNotContain(id);
        assertThat(internalConnections()).isZero();
    }

    /** Waits until nothing but what was queued before is queued: the new messages are done. */
    private static void awaitQueueBackTo(List<String> before) throws Exception {
        Eventually.await(java.time.Duration.ofSeconds(30), "queue back to what it was",
                () -> before.containsAll(gateway.queued()));
    }

    private static String block(String dsn, String recipient) {
        int start = dsn.indexOf("Final-Recipient: rfc822; " + recipient + "\r\n");
        assertThat(start).as("a block for " + recipient).isNotNegative();
        int end = dsn.indexOf("Final-Recipient:", start + 1);
        return dsn.substring(start, end < 0 ? dsn.length() : end);
    }

    private static String awaitBounce(String id) throws Exception {
        Path bounces = gateway.dataDirectory().resolve("drop/bounces");
        return Eventually.value(java.time.Duration.ofSeconds(30), "a bounce for " + id, () -> {
            if (Files.exists(bounces)) {
                try (Stream<Path> files = Files.list(bounces)) {
                    for (Path file : files.filter(p -> p.toString().endsWith(".eml")).toList()) {
                        String text = Files.readString(file);
                        if (text.contains(id)) {
                            return text;
                        }
                    }
                }
            }
            return null;
        }, java.util.Objects::nonNull);
    }
}
