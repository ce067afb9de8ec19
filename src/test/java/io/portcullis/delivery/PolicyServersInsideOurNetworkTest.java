package io.portcullis.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.delivery.tls.TlsReportResult;
import io.portcullis.testing.Closing;
import io.portcullis.testing.Dnsmasq;
import io.portcullis.testing.PolicyServer;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestCa;
import io.portcullis.testing.TestGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A hostile recipient domain names the MTA-STS policy host ({@code mta-sts.DOMAIN}) and the TLS-RPT
 * {@code https:} report URI, as it names its MX hosts: pointed at an address inside our network
 * (loopback here, an IP literal or a name), the gateway must not connect to it (server-side request
 * forgery through our report POST, with a URI path and port of the attacker's choosing), unless an
 * mx connector's {@code allow-internal-addresses} lets that address through, the same rule MX hosts
 * are held to. The internal server is a real HTTPS server (the JDK's) with a certificate the
 * gateway trusts, so only the address rule stands between the domain and it.
 */
class PolicyServersInsideOurNetworkTest {
    private static PolicyServer internal;
    private static Dnsmasq dns;
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        TestCa ca = new TestCa("internal address test CA");
        Path files = Files.createTempDirectory("policy-internal");
        Path trust = ca.writeTrust(files.resolve("ca.pem"));
        internal = PolicyServer.start(ca.issue("mta-sts.hostile.test", "intranet.hostile.test").serverContext());
        internal.answer("mta-sts.hostile.test", PolicyServer.Answer.policy(
                "version: STSv1\nmode: enforce\nmx: mx.hostile.test\nmax_age: 86400\n"));
        dns = Dnsmasq.start(
                "--host-record=mta-sts.hostile.test," + internal.address(),
                "--host-record=intranet.hostile.test," + internal.address(),
                Dnsmasq.txtRecord("_mta-sts.hostile.test", "v=STSv1; id=1;"),
                Dnsmasq.txtRecord("_smtp._tls.hostile.test", "v=TLSRPTv1; rua=https://intranet.hostile.test/admin/x"),
                Dnsmasq.txtRecord("_smtp._tls.literal.test", "v=TLSRPTv1; rua=https://" + internal.address() + "/admin/y"));
        // The MX connector lets the one loopback address of our own next hop through, not the internal server's.
        gateway = TestGateway.startYaml(TestGateway.deliveringYaml("""
                domains: [example.test]
                connectors:
                  - name: internet
                    type: mx
                    allow-internal-addresses: [127.0.0.1/32]
                routes:
                  - domains: ["*"]
                    connector: internet
                delivery:
                  retry: [1h]
                  dns-resolver: 127.0.0.1:%1$d
                mta-sts:
                  trust: %2$s
                tls-reports:
                  organization-name: Portcullis Test
                  contact-info: mailto:postmaster@gateway.test
                """.formatted(dns.port(), trust)));
    }

    @AfterAll
    static void stop() throws Exception {
        Closing.closeAll(gateway, dns, internal);
    }

    @Test
    void aPolicyHostInsideOurNetworkIsNotFetched() {
        assertThat(gateway.mtaSts().policies().policyFor("hostile.test")).isEmpty();
        assertThat(internal.gets()).isEmpty();
    }

    @Test
    void aReportUriInsideOurNetworkGetsNoPost() throws Exception {
        TlsReportResult.Failure failure = new TlsReportResult.Failure(TlsReportResult.ResultType.STARTTLS_NOT_SUPPORTED,
                "mx.hostile.test", "192.0.2.1", null);
        gateway.mtaSts().reports().record("hostile.test", TlsReportResult.Policy.NONE, failure);
        gateway.mtaSts().reports().record("literal.test", TlsReportResult.Policy.NONE, failure);

        List<String> outcomes = gateway.mtaSts().sendDue(true);

        assertThat(internal.posts()).isEmpty();
        assertThat(outcomes).anySatisfy(line -> assertThat(line).startsWith("hostile.test https://intranet.hostile.test/admin/x: post failed")
                .contains("not a public address"));
        assertThat(outcomes).anySatisfy(line -> assertThat(line).startsWith("literal.test https://" + internal.address())
                .contains("post failed").contains("loopback"));
        // the gateway goes on serving
        try (SmtpScript smtp = SmtpScript.connect(gateway.port("outbound"))) {
            smtp.expect("220").send("EHLO internal.example.test").expect("250 ").send("QUIT").expect("221");
        }
    }
}
