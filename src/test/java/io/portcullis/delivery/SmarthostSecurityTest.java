package io.portcullis.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.listener.TlsContexts;
import io.portcullis.spool.DeliveryRecord;
import io.portcullis.spool.Envelope;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.SmtpSink;
import io.portcullis.testing.TestGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The connector's security options against real next hops: required TLS with certificate and
 * host name verification (fails closed), a chosen source address, and credentials that are never
 * sent in plain text. The TLS next hop is a second Portcullis with a certificate for localhost.
 */
class SmarthostSecurityTest {

    private static TestGateway gatewayTo(String hostAndPort, String options) throws Exception {
        return TestGateway.startYaml(TestGateway.deliveringYaml("""
                domains: [example.test]
                connectors:
                  - name: internal
                    type: smarthost
                    hosts: ["%s"]
                %s
                routes:
                  - domains: [example.test]
                    connector: internal
                delivery:
                  retry: [1h]
                """.formatted(hostAndPort, options.stripIndent().indent(4).stripTrailing())));
    }

    private static String send(TestGateway gateway) throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            return smtp.sendMessage("a@example.org", "b@example.test", "Subject: secure\r\n\r\nx\r\n");
        }
    }

    @Test
    void requiredTlsVerifiesTheCertificateAndUsesTheSourceAddress() throws Exception {
        Path ca = TestGateway.sharedTls().resolve("certificate.pem");
        try (TestGateway nextHop = TestGateway.start("");
             TestGateway gateway = gatewayTo("localhost:" + nextHop.inboundPort(),
                     "tls: required\ntls-trust: " + ca + "\nsource-address: 127.0.0.2\n")) {
            String id = send(gateway);
            assertThat(gateway.awaitEmptyQueue(15)).as("delivered").isTrue();
            assertThat(nextHop.queued()).hasSize(1);
            Envelope received = nextHop.envelope(nextHop.queued().getFirst());
            assertThat(received.client().tlsProtocol()).startsWith("TLSv1.");
            assertThat(received.client().address()).isEqualTo("127.0.0.2");
            assertThat(new String(nextHop.message(received.queueId()))).contains("by gateway.test (Portcullis) with ESMTP id " + id);
        }
    }

    @Test
    void requiredTlsFailsClosedOnAnUntrustedCertificateOrNoStartTls() throws Exception {
        Path otherCa = Files.createTempDirectory("other-ca");
        TlsContexts.ensureSelfSigned(otherCa, "someone-else.test");
        try (TestGateway nextHop = TestGateway.start("");
             TestGateway gateway = gatewayTo("localhost:" + nextHop.inboundPort(),
                     "tls: required\ntls-trust: " + otherCa.resolve("certificate.pem") + "\n")) {
            String id = send(gateway);
            List<DeliveryRecord> journal = gateway.awaitJournal(id, DeliveryRecord.Type.DEFERRED, 15);
            assertThat(journal.getFirst().reply()).startsWith("451 4.7.5");
            assertThat(nextHop.queued()).isEmpty();
        }
        try (SmtpSink plain = SmtpSink.start(0);
             TestGateway gateway = gatewayTo("127.0.0.1:" + plain.port(), "tls: required\n")) {
            String id = send(gateway);
            List<DeliveryRecord> journal = gateway.awaitJournal(id, DeliveryRecord.Type.DEFERRED, 15);
            assertThat(journal.getFirst().reply()).startsWith("451 4.7.5").contains("does not offer STARTTLS");
            assertThat(plain.transactions()).isEmpty();
        }
    }

    @Test
    void credentialsAreNeverSentWithoutVerifiedTls() throws Exception {
        // Opportunistic TLS accepts any certificate, so auth with it is a configuration error
        // (ConnectorOptionsConfigTest); with tls: required a next hop without STARTTLS gets nothing.
        assertThatThrownBy(() -> gatewayTo("127.0.0.1:25", "tls: opportunistic\nauth:\n  username: gateway\n  password: s3cret\n"))
                .hasMessageContaining("connectors[0].auth: auth needs tls: required");
        try (SmtpSink plain = SmtpSink.start(0);
             TestGateway gateway = gatewayTo("127.0.0.1:" + plain.port(),
                     "tls: required\nauth:\n  username: gateway\n  password: s3cret\n")) {
            String id = send(gateway);
            List<DeliveryRecord> journal = gateway.awaitJournal(id, DeliveryRecord.Type.DEFERRED, 15);
            assertThat(journal.getFirst().reply()).startsWith("451 4.7.5").contains("does not offer STARTTLS");
            assertThat(plain.transactions()).isEmpty();
        }
    }
}
