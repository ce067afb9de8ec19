package io.portcullis.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.config.PemFiles;
import io.portcullis.spool.DeliveryRecord;
import io.portcullis.testing.Closing;
import io.portcullis.testing.Eventually;
import io.portcullis.testing.Nsd;
import io.portcullis.testing.SignedZone;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.StartTlsStripper;
import io.portcullis.testing.TestGateway;
import io.portcullis.testing.Unbound;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * DANE and per-destination TLS levels against real peers: a zone signed by ldns-signzone and an
 * unsigned one, both served by NSD, behind a real validating unbound that holds the signed zone's
 * trust anchor; the next hop is a second Portcullis whose certificate ({@code mx.dane.test},
 * issued by a test CA and served with it) the TLSA records match or do not; a man in the middle
 * that strips STARTTLS sits before it for the {@code stripped} connector. The TLSA records use the
 * connector's port ({@code _PORT._tcp.host}, RFC 7672 §2.2.3), since the next hops listen on
 * ephemeral ports. Every case also checks the {@code portcullis.delivery.tls} counter moved by
 * exactly one for its result, and every deferral that nothing reached the next hop.
 */
class DaneDeliveryTest {
    private static final String RECEIVING_DOMAINS = "example.test, dane.test, ee.dane.test, mismatch.dane.test, ta.dane.test,"
            + " ta-wrong-name.dane.test, unusable.dane.test, bogus.dane.test, strip.dane.test, strip-only.dane.test,"
            + " plain.test, only.plain.test, verify.plain.test, strip.plain.test";

    private static Path directory;
    private static TestGateway nextHop;
    private static StartTlsStripper stripper;
    private static Nsd nsd;
    private static Unbound unbound;
    private static TestGateway gateway;
    /** Validates DNSSEC itself (dnsjava, the zone's trust anchor in a file), asking NSD directly: no AD bit anywhere. */
    private static TestGateway inProcess;

    @BeforeAll
    static void start() throws Exception {
        directory = Files.createTempDirectory("dane");
        KeyPair caKeys = keys();
        X509Certificate ca = certificate("Portcullis DANE test CA", caKeys, null, caKeys, true);
        KeyPair serverKeys = keys();
        X509Certificate server = certificate("mx.dane.test", serverKeys, ca, caKeys, false);
        try (Writer writer = Files.newBufferedWriter(directory.resolve("chain.pem"), StandardCharsets.US_ASCII);
             JcaPEMWriter pem = new JcaPEMWriter(writer)) {
            pem.writeObject(server);
            pem.writeObject(ca);
        }
        PemFiles.writePrivateKey(directory.resolve("key.pem"), serverKeys.getPrivate());
        PemFiles.write(directory.resolve("ca.pem"), ca);

        Path shared = TestGateway.sharedTls();
        nextHop = TestGateway.startYaml(TestGateway.defaultYaml("")
                .replace(shared.resolve("certificate.pem").toString(), directory.resolve("chain.pem").toString())
                .replace(shared.resolve("key.pem").toString(), directory.resolve("key.pem").toString())
                .replace("domains: [example.test]", "domains: [" + RECEIVING_DOMAINS + "]")
                .replace("- domains: [example.test, \"*.example.test\"]", "- domains: [" + RECEIVING_DOMAINS + "]"));
        stripper = new StartTlsStripper(nextHop.inboundPort());

        int port = nextHop.inboundPort();
        String serverKey = sha256(server.getPublicKey().getEncoded());
        String caCertificate = sha256(ca.getEncoded());
        String elsewhere = sha256("another key".getBytes(StandardCharsets.US_ASCII));
        Map<String, Path> zones = new LinkedHashMap<>();
        SignedZone signed = SignedZone.sign(directory, "dane.test.", """
                dane.test. IN MX 10 mx.dane.test.
                mx.dane.test. IN A 127.0.0.1
                _%1$d._tcp.mx.dane.test. IN TLSA 2 0 1 %3$s
                ee.dane.test. IN MX 10 mx-ee.dane.test.
                mx-ee.dane.test. IN A 127.0.0.1
                _%1$d._tcp.mx-ee.dane.test. IN TLSA 3 1 1 %4$s
                mismatch.dane.test. IN MX 10 mx-mismatch.dane.test.
                mx-mismatch.dane.test. IN A 127.0.0.1
                _%1$d._tcp.mx-mismatch.dane.test. IN TLSA 3 1 1 %5$s
                ta.dane.test. IN MX 10 mx.dane.test.
                ta-wrong-name.dane.test. IN MX 10 mx-other.dane.test.
                mx-other.dane.test. IN A 127.0.0.1
                _%1$d._tcp.mx-other.dane.test. IN TLSA 2 0 1 %3$s
                unusable.dane.test. IN MX 10 mx-unusable.dane.test.
                mx-unusable.dane.test. IN A 127.0.0.1
                _%1$d._tcp.mx-unusable.dane.test. IN TLSA 1 1 1 %4$s
                _%1$d._tcp.mx-unusable.dane.test. IN TLSA 0 0 1 %3$s
                bogus.dane.test. IN MX 10 mx-bogus.dane.test.
                mx-bogus.dane.test. IN A 127.0.0.1
                _%1$d._tcp.mx-bogus.dane.test. IN TLSA 3 1 1 %4$s
                strip.dane.test. IN MX 10 mx-strip.dane.test.
                strip-only.dane.test. IN MX 10 mx-strip.dane.test.
                mx-strip.dane.test. IN A 127.0.0.1
                _%2$d._tcp.mx-strip.dane.test. IN TLSA 3 1 1 %4$s
                """.formatted(port, stripper.port(), caCertificate, serverKey, elsewhere));
        signed.spoilSignature("_" + port + "._tcp.mx-bogus.dane.test.", "TLSA");
        zones.put("dane.test.", signed.file());
        // Unsigned: its TLSA record matches nothing, and must be ignored, not obeyed.
        zones.put("plain.test.", SignedZone.unsignedFile(directory, "plain.test.", """
                plain.test. IN MX 10 mx.plain.test.
                only.plain.test. IN MX 10 mx.plain.test.
                verify.plain.test. IN MX 10 mx.plain.test.
                strip.plain.test. IN MX 10 mx.plain.test.
                mx.plain.test. IN A 127.0.0.1
                _%1$d._tcp.mx.plain.test. IN TLSA 3 1 1 %2$s
                """.formatted(port, elsewhere)));
        nsd = Nsd.startZones(directory, zones);
        unbound = Unbound.start(Map.of("dane.test.", nsd.port(), "plain.test.", nsd.port()), List.of(signed.trustAnchor()));

        gateway = TestGateway.startYaml(TestGateway.deliveringYaml("""
                domains: [example.test]
                connectors:
                  - name: internet
                    type: mx
                    port: %1$d
                    tls: dane
                    tls-trust: %2$s
                    allow-internal-addresses: [127.0.0.0/8]
                    tls-policy:
                      dane.test: secure
                      only.plain.test: dane-only
                      verify.plain.test: verify
                  - name: stripped
                    type: mx
                    port: %3$d
                    tls: dane
                    allow-internal-addresses: [127.0.0.0/8]
                    tls-policy:
                      strip-only.dane.test: dane-only
                      strip.plain.test: encrypt
                routes:
                  - domains: [strip.dane.test, strip-only.dane.test, strip.plain.test]
                    connector: stripped
                  - domains: ["*"]
                    connector: internet
                delivery:
                  retry: [1h]
                  dns-resolver: 127.0.0.1:%4$d
                """.formatted(port, directory.resolve("ca.pem"), stripper.port(), unbound.port())));
        Path anchors = Files.writeString(directory.resolve("trust-anchors"), signed.trustAnchor() + "\n");
        inProcess = TestGateway.startYaml(TestGateway.deliveringYaml("""
                domains: [example.test]
                connectors:
                  - name: internet
                    type: mx
                    port: %d
                    tls: dane
                    allow-internal-addresses: [127.0.0.0/8]
                routes:
                  - domains: ["*"]
                    connector: internet
                delivery:
                  retry: [1h]
                  dns-resolver: 127.0.0.1:%d
                  dnssec-trust-anchors: %s
                """.formatted(port, nsd.port(), anchors)));
    }

    @AfterAll
    static void stop() throws Exception {
        Closing.closeAll(inProcess, gateway, unbound, nsd, stripper, nextHop);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "DANE-EE(3) matching the server key, no name check | user@ee.dane.test         | internet | dane",
        "DANE-TA(2) matching the CA, server names the MX   | user@ta.dane.test         | internet | dane",
        "only unusable TLSA (PKIX-EE, PKIX-TA): encrypted  | user@unusable.dane.test   | internet | unverified",
        "unsigned zone: TLSA ignored, dane is may          | user@plain.test           | internet | unverified",
        "secure: CA-verified, names a sub-domain of it     | user@dane.test            | internet | ca"})
    void delivered(String name, String recipient, String connector, String verified) throws Exception {
        double before = tlsCount(connector, verified);
        String id = send(recipient);
        Eventually.await(Duration.ofSeconds(60), recipient + " delivered", () -> !gateway.queued().contains(id));
        assertThat(nextHopHas(recipient)).isTrue();
        assertThat(tlsCount(connector, verified)).isEqualTo(before + 1);
        String track = Eventually.value(Duration.ofSeconds(10), "the DELIVER event of " + id, () -> track(id),
                text -> text.contains("DELIVER"));
        assertThat(track).containsPattern("DELIVER +<" + recipient + "> via " + connector
                + " to [^ ]+ \\(tls TLSv1\\.[23] [A-Z0-9_]+ verified=" + verified + "\\): 250 ");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "TLSA does not match the certificate      | user@mismatch.dane.test      | 451 4.7.5 The next hop's certificate matches none of its DANE TLSA records",
        "DANE-TA matches, certificate names other | user@ta-wrong-name.dane.test | 451 4.7.5 The next hop's certificate matches none of its DANE TLSA records",
        "SERVFAIL (bogus) on TLSA in signed zone  | user@bogus.dane.test         | 451 4.7.5 DNSSEC lookup for DANE failed; not delivering without it",
        "dane-only, zone not signed               | user@only.plain.test         | 451 4.7.5 DANE is required but the destination has no DNSSEC-validated TLSA records",
        "verify, certificate for another name     | user@verify.plain.test       | 451 4.7.5 TLS is required but could not be established"})
    void deferredWithNothingSent(String name, String recipient, String reply) throws Exception {
        double before = tlsCount("internet", "failed");
        double others = otherCounts();
        String id = send(recipient);
        DeliveryRecord deferred = deferral(id);
        assertThat(deferred.reply()).startsWith(reply);
        assertThat(deferred.tls()).isEqualTo("failed");
        assertThat(gateway.queued()).as("kept for a retry").contains(id);
        assertThat(nextHopHas(recipient)).as("nothing reached the next hop").isFalse();
        assertThat(tlsCount("internet", "failed")).isEqualTo(before + 1);
        assertThat(otherCounts()).as("no other result counted").isEqualTo(others);
        assertThat(cli("queue", "show", id, "--data-dir", gateway.dataDirectory().toString()))
                .contains("\"type\" : \"DEFERRED\"", "\"tls\" : \"failed\"");
        assertThat(Eventually.value(Duration.ofSeconds(10), "the DEFER event of " + id, () -> track(id),
                text -> text.contains("DEFER"))).contains("(tls failed): " + reply);
        stillResponsive();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"user@strip.dane.test", "user@strip-only.dane.test", "user@strip.plain.test"})
    void strippedStartTlsIsDeferredNotSentInClear(String recipient) throws Exception {
        double before = tlsCount("stripped", "failed");
        String id = send(recipient);
        DeliveryRecord deferred = deferral(id);
        assertThat(deferred.reply()).startsWith("451 4.7.5 TLS is required but the next hop does not offer STARTTLS");
        assertThat(tlsCount("stripped", "failed")).isEqualTo(before + 1);
        assertThat(stripper.clientText()).as("what went through the man in the middle").contains("EHLO ")
                .doesNotContain("MAIL FROM").doesNotContain(recipient);
        assertThat(nextHopHas(recipient)).isFalse();
        stillResponsive();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "user@ee.dane.test       | DELIVERED | 250 2.0.0                                                                     | TLSv1.",
        "user@plain.test         | DELIVERED | 250 2.0.0                                                                     | TLSv1.",
        "user@mismatch.dane.test | DEFERRED  | 451 4.7.5 The next hop's certificate matches none of its DANE TLSA records    | failed",
        "user@bogus.dane.test    | DEFERRED  | 451 4.7.5 DNSSEC lookup for DANE failed; not delivering without it            | failed"})
    void validatesInProcessWithConfiguredTrustAnchors(String recipient, DeliveryRecord.Type type, String reply, String tls)
            throws Exception {
        String id;
        try (SmtpScript smtp = SmtpScript.connect(inProcess.port("outbound"))) {
            smtp.expect("220").send("EHLO internal.example.test").expect("250 ");
            id = smtp.sendMessage("sender@example.test", recipient, "Subject: dane in process\r\n\r\nx\r\n");
        }
        if (type == DeliveryRecord.Type.DELIVERED) {
            Eventually.await(Duration.ofSeconds(60), recipient + " delivered", () -> !inProcess.queued().contains(id));
            String verified = recipient.endsWith("dane.test") ? "dane" : "unverified";
            assertThat(inProcess.metrics()).contains("portcullis_delivery_tls_total{connector=\"internet\",flow=\"outbound\",verified=\""
                    + verified + "\"}");
        } else {
            DeliveryRecord deferred = deferral(inProcess, id);
            assertThat(deferred.reply()).startsWith(reply);
            assertThat(deferred.tls()).isEqualTo(tls);
        }
    }

    @Test
    void daneLevelsNeedAValidatingResolverOnLoopback() throws Exception {
        String yaml = TestGateway.deliveringYaml("""
                domains: [example.test]
                connectors:
                  - name: internet
                    type: mx
                    tls: dane-only
                routes:
                  - domains: ["*"]
                    connector: internet
                delivery:
                  dns-resolver: 192.0.2.53:53
                """);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TestGateway.startYaml(yaml))
                .hasMessageContaining("connectors[0].tls: dane needs delivery.dns-resolver: a validating resolver on loopback");
    }

    /** The connector's dane, ca, unverified and none counts: a deferral must not move them. */
    private static double otherCounts() throws Exception {
        return tlsCount("internet", "dane") + tlsCount("internet", "ca") + tlsCount("internet", "unverified")
                + tlsCount("internet", "none");
    }

    private static DeliveryRecord deferral(String id) throws Exception {
        return deferral(gateway, id);
    }

    /** The DEFERRED record of {@code id}; fails at once when the message left the queue (delivered) instead. */
    private static DeliveryRecord deferral(TestGateway sender, String id) throws Exception {
        return Eventually.value(Duration.ofSeconds(60), "a DEFERRED record in the journal of " + id, () -> {
            List<DeliveryRecord> journal = sender.spool().readJournal(id);
            if (journal.stream().noneMatch(r -> r.type() == DeliveryRecord.Type.DEFERRED) && !sender.queued().contains(id)) {
                throw new AssertionError(id + " left the queue: it was delivered, not deferred");
            }
            return journal;
        }, journal -> journal.stream().anyMatch(r -> r.type() == DeliveryRecord.Type.DEFERRED)).stream()
                .filter(r -> r.type() == DeliveryRecord.Type.DEFERRED).findFirst().orElseThrow();
    }

    private static String send(String recipient) throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(gateway.port("outbound"))) {
            smtp.expect("220").send("EHLO internal.example.test").expect("250 ");
            return smtp.sendMessage("sender@example.test", recipient, "Subject: dane\r\n\r\nx\r\n");
        }
    }

    /** A fresh client still completes a transaction (to a domain that is not delivered anywhere odd). */
    private static void stillResponsive() throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(gateway.port("outbound"))) {
            smtp.expect("220").send("EHLO internal.example.test").expect("250 ")
                    .send("MAIL FROM:<sender@example.test>").expect("250 2.1.0").send("RSET").expect("250 ");
        }
    }

    private static boolean nextHopHas(String recipient) {
        return nextHop.queued().stream().anyMatch(id -> {
            try {
                return nextHop.envelope(id).recipients().stream().anyMatch(r -> r.address().equals(recipient));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private static double tlsCount(String connector, String verified) {
        String key = "portcullis_delivery_tls_total{connector=\"" + connector + "\",flow=\"outbound\",verified=\"" + verified + "\"} ";
        return gateway.metrics().lines().filter(line -> line.startsWith(key))
                .mapToDouble(line -> Double.parseDouble(line.substring(key.length()).trim())).sum();
    }

    private static String track(String id) throws Exception {
        return cli("track", "--data-dir", gateway.dataDirectory().toString(), "--queue-id", id);
    }

    /** What the portcullis command prints (queue commands reach the running gateway over its control socket). */
    private static String cli(String... arguments) throws Exception {
        StringWriter out = new StringWriter();
        picocli.CommandLine cli = new picocli.CommandLine(Class.forName("io.portcullis.app.Main").getDeclaredConstructor().newInstance());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(out));
        cli.execute(arguments);
        return out.toString();
    }

    private static KeyPair keys() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static X509Certificate certificate(String name, KeyPair keys, X509Certificate issuer, KeyPair issuerKeys, boolean ca)
            throws Exception {
        X500Name subject = new X500Name("CN=" + name);
        X500Name issuerName = issuer == null ? subject : new X500Name(issuer.getSubjectX500Principal().getName());
        Instant now = Instant.now();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuerName, new BigInteger(64, new SecureRandom()),
                Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(30))), subject, keys.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        if (!ca) {
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName(GeneralName.dNSName, name)));
        }
        return new JcaX509CertificateConverter().getCertificate(builder.build(
                new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
