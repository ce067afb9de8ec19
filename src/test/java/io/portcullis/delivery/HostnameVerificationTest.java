package io.portcullis.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.config.PemFiles;
import io.portcullis.spool.DeliveryRecord;
import io.portcullis.spool.Envelope;
import io.portcullis.testing.Closing;
import io.portcullis.testing.Dnsmasq;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code tls: required} checks that the next hop's certificate names the host we meant, not only
 * that it is trusted. The next hop is a second Portcullis whose certificate (made here with
 * Bouncy Castle, and trusted through {@code tls-trust}) names {@code mx.right.test} and nothing
 * else: not localhost, not 127.0.0.1. Reached as mx.right.test (by MX, or as a smarthost by
 * name) it gets the mail; reached as mx.wrong.test or by its IP address it gets nothing and the
 * attempt is deferred with {@code 451 4.7.5}.
 */
class HostnameVerificationTest {
    private static Path certificates;
    private static TestGateway nextHop;
    private static Dnsmasq dns;
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        certificates = Files.createTempDirectory("hostname-verification");
        writeCertificate(certificates, "mx.right.test");
        Path shared = TestGateway.sharedTls();
        nextHop = TestGateway.startYaml(TestGateway.defaultYaml("")
                .replace(shared.resolve("certificate.pem").toString(), certificates.resolve("certificate.pem").toString())
                .replace(shared.resolve("key.pem").toString(), certificates.resolve("key.pem").toString())
                .replace("domains: [example.test]", "domains: [example.test, right.test, wrong.test, by-name.test, by-address.test]")
                .replace("- domains: [example.test, \"*.example.test\"]",
                        "- domains: [example.test, \"*.example.test\", right.test, wrong.test, by-name.test, by-address.test]"));
        dns = Dnsmasq.start("--mx-host=right.test,mx.right.test,10", "--host-record=mx.right.test,127.0.0.1",
                "--mx-host=wrong.test,mx.wrong.test,10", "--host-record=mx.wrong.test,127.0.0.1");
        String trust = certificates.resolve("certificate.pem").toString();
        gateway = TestGateway.startYaml(TestGateway.deliveringYaml("""
                domains: [example.test]
                connectors:
                  - name: internet
                    type: mx
                    port: %1$d
                    tls: required
                    tls-trust: %2$s
                    allow-internal-addresses: [127.0.0.0/8]
                  - name: by-name
                    type: smarthost
                    hosts: ["mx.right.test:%1$d"]
                    tls: required
                    tls-trust: %2$s
                  - name: by-address
                    type: smarthost
                    hosts: ["127.0.0.1:%1$d"]
                    tls: required
                    tls-trust: %2$s
                routes:
                  - domains: [by-name.test]
                    connector: by-name
                  - domains: [by-address.test]
                    connector: by-address
                  - domains: ["*"]
                    connector: internet
                delivery:
                  retry: [1h]
                  dns-resolver: 127.0.0.1:%3$d
                """.formatted(nextHop.inboundPort(), trust, dns.port())));
    }

    @AfterAll
    static void stop() throws Exception {
        Closing.closeAll(gateway, dns, nextHop);
    }

    /** A self-signed certificate whose only name is {@code name}; trusted as its own anchor. */
    private static void writeCertificate(Path directory, String name) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair pair = generator.generateKeyPair();
        X500Name subject = new X500Name("CN=" + name);
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, new BigInteger(64, new SecureRandom()),
                Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(30))), subject, pair.getPublic());
        builder.addExtension(Extension.subjectAlternativeName, false,
                new GeneralNames(new GeneralName(GeneralName.dNSName, name)));
        X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(pair.getPrivate())));
        PemFiles.write(directory.resolve("certificate.pem"), certificate);
        PemFiles.writePrivateKey(directory.resolve("key.pem"), pair.getPrivate());
    }

    private static String send(String recipient) throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(gateway.port("outbound"))) {
            smtp.expect("220").send("EHLO internal.example.test").expect("250 ");
            return smtp.sendMessage("sender@example.test", recipient, "Subject: verified\r\n\r\nx\r\n");
        }
    }

    private static boolean nextHopHas(String recipient) throws Exception {
        for (String id : nextHop.queued()) {
            if (nextHop.envelope(id).recipients().stream().anyMatch(r -> r.address().equals(recipient))) {
                return true;
            }
        }
        return false;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"user@right.test", "user@by-name.test"})
    void aCertificateNamingTheHostIsAccepted(String recipient) throws Exception {
        String id = send(recipient);
        for (int i = 0; i < 300 && gateway.queued().contains(id); i++) {
            Thread.sleep(50);
        }
        assertThat(gateway.queued()).as("delivered").doesNotContain(id);
        assertThat(nextHopHas(recipient)).isTrue();
        Envelope received = nextHop.queued().stream().map(queued -> {
            try {
                return nextHop.envelope(queued);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).filter(e -> e.recipients().stream().anyMatch(r -> r.address().equals(recipient))).findFirst().orElseThrow();
        assertThat(received.client().tlsProtocol()).startsWith("TLSv1.");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "user@wrong.test      | No subject alternative DNS name matching mx.wrong.test found",
        "user@by-address.test | No subject alternative names matching IP address 127.0.0.1 found"})
    void aTrustedCertificateForAnotherNameIsRefused(String recipient, String reason) throws Exception {
        String id = send(recipient);
        List<DeliveryRecord> journal = gateway.awaitJournal(id, DeliveryRecord.Type.DEFERRED, 30);
        assertThat(journal.getFirst().reply()).startsWith("451 4.7.5 TLS is required but could not be established").contains(reason);
        assertThat(gateway.queued()).as("kept for a retry").contains(id);
        assertThat(nextHopHas(recipient)).as("nothing reached the next hop").isFalse();
    }
}
