package io.portcullis.listener;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.portcullis.testing.TestGateway;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The generated certificate (short-lived, ECDSA, renewed before it runs out), a configured chain
 * served whole, and a certificate near expiry warned about in the log and shown in /metrics.
 */
class CertificateLifetimeTest {
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @TempDir
    Path directory;

    @BeforeEach
    void captureLogs() {
        logs.start();
        ((Logger) LoggerFactory.getLogger(TlsContexts.class)).addAppender(logs);
    }

    @AfterEach
    void releaseLogs() {
        ((Logger) LoggerFactory.getLogger(TlsContexts.class)).detachAppender(logs);
    }

    /** The test gateway's YAML with the inbound listener's tls section replaced by {@code tls}. */
    private static String withTls(String tls) throws IOException {
        String yaml = TestGateway.defaultYaml("");
        int start = yaml.indexOf("    tls:\n");
        int end = yaml.indexOf("    limits:\n");
        return yaml.substring(0, start) + "    tls:\n" + tls.stripIndent().indent(6) + yaml.substring(end);
    }

    private static X509Certificate read(Path file) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(file)));
    }

    @Test
    void theGeneratedCertificateIsEcdsaP256ValidForAtMostAYearAndServed() throws Exception {
        try (TestGateway gateway = TestGateway.startYaml(withTls("self-signed: true"))) {
            X509Certificate generated = read(gateway.dataDirectory().resolve("tls/certificate.pem"));
            assertThat(Duration.between(generated.getNotBefore().toInstant(), generated.getNotAfter().toInstant()))
                    .isLessThanOrEqualTo(Duration.ofDays(365));
            assertThat(generated.getNotAfter().toInstant()).isAfter(Instant.now().plus(Duration.ofDays(360)));
            assertThat(generated.getPublicKey()).isInstanceOfSatisfying(ECPublicKey.class,
                    key -> assertThat(key.getParams().getCurve().getField().getFieldSize()).isEqualTo(256));
            assertThat(generated.getSigAlgName()).isEqualTo("SHA256withECDSA");
            try (SSLSocket tls = StartTlsClient.handshake(gateway.inboundPort(), socket -> { })) {
                assertThat(tls.getSession().getPeerCertificates()).containsExactly(generated);
            }
            assertThat(logs.list).noneMatch(event -> event.getFormattedMessage().contains("expires"));
        }
    }

    @Test
    void aGeneratedCertificateIsRenewedWhenLessThan30DaysAreLeft() throws Exception {
        Instant now = Instant.now();
        Path fresh = directory.resolve("fresh");
        Path ending = directory.resolve("ending");
        Path tooLong = directory.resolve("ten-years");   // what older versions generated
        TestCertificates.write(fresh.resolve("certificate.pem"), fresh.resolve("key.pem"),
                TestCertificates.issue("gateway.test", now.minus(Duration.ofDays(165)), now.plus(Duration.ofDays(200)), null, false));
        TestCertificates.write(ending.resolve("certificate.pem"), ending.resolve("key.pem"),
                TestCertificates.issue("gateway.test", now.minus(Duration.ofDays(345)), now.plus(Duration.ofDays(20)), null, false));
        TestCertificates.write(tooLong.resolve("certificate.pem"), tooLong.resolve("key.pem"),
                TestCertificates.issue("gateway.test", now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(3650)), null, false));
        byte[] freshBefore = Files.readAllBytes(fresh.resolve("certificate.pem"));

        for (Path folder : new Path[] {fresh, ending, tooLong}) {
            TlsContexts.ensureSelfSigned(folder, "gateway.test");
        }

        assertThat(Files.readAllBytes(fresh.resolve("certificate.pem"))).as("200 days left: kept").isEqualTo(freshBefore);
        for (Path renewed : new Path[] {ending, tooLong}) {
            X509Certificate certificate = read(renewed.resolve("certificate.pem"));
            assertThat(certificate.getNotAfter().toInstant()).as(renewed.toString())
                    .isBetween(now.plus(Duration.ofDays(360)), now.plus(Duration.ofDays(366)));
            // The new key fits the new certificate: a context loads and serves them.
            assertThat(TlsContexts.serverContext(renewed.resolve("certificate.pem"), renewed.resolve("key.pem"),
                    io.portcullis.config.TlsConfig.of(null, null, true)).notAfter())
                    .isEqualTo(certificate.getNotAfter().toInstant());
        }
    }

    @Test
    void aConfiguredChainIsServedWhole() throws Exception {
        Instant now = Instant.now();
        TestCertificates.Issued ca = TestCertificates.issue("Test CA", now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(700)), null, true);
        TestCertificates.Issued leaf = TestCertificates.issue("gateway.test", now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(300)), ca, false);
        TestCertificates.write(directory.resolve("chain.pem"), directory.resolve("key.pem"), leaf, ca);
        try (TestGateway gateway = TestGateway.startYaml(withTls("certificate: " + directory.resolve("chain.pem")
                + "\nkey: " + directory.resolve("key.pem")))) {
            try (SSLSocket tls = StartTlsClient.handshake(gateway.inboundPort(), trusting(ca.certificate()), socket -> { })) {
                Certificate[] served = tls.getSession().getPeerCertificates();
                assertThat(served).containsExactly(leaf.certificate(), ca.certificate());
            }
        }
    }

    @Test
    void aCertificateNearExpiryIsWarnedAboutAtStartAndReloadAndShownInMetrics() throws Exception {
        Instant now = Instant.now();
        Instant notAfter = now.plus(Duration.ofDays(10));
        TestCertificates.write(directory.resolve("cert.pem"), directory.resolve("key.pem"),
                TestCertificates.issue("gateway.test", now.minus(Duration.ofDays(80)), notAfter, null, false));
        String yaml = withTls("certificate: " + directory.resolve("cert.pem") + "\nkey: " + directory.resolve("key.pem"));
        try (TestGateway gateway = TestGateway.startYaml(yaml)) {
            assertThat(warnings()).isEqualTo(1);
            double seconds = expirySeconds(gateway.metrics(), "inbound");
            assertThat(seconds).isBetween((double) Duration.ofDays(10).minusMinutes(10).toSeconds(), (double) Duration.ofDays(10).toSeconds());

            gateway.reload(yaml);
            assertThat(warnings()).isEqualTo(2);

            gateway.reload(withTls("self-signed: true"));
            assertThat(expirySeconds(gateway.metrics(), "inbound")).isGreaterThan(Duration.ofDays(360).toSeconds());
            assertThat(warnings()).isEqualTo(2);
        }
    }

    private long warnings() {
        return logs.list.stream().filter(event -> event.getLevel() == ch.qos.logback.classic.Level.WARN
                && event.getFormattedMessage().contains("listener inbound: the TLS certificate expires")).count();
    }

    private static double expirySeconds(String metrics, String listener) {
        Matcher m = Pattern.compile("(?m)^portcullis_tls_certificate_expiry_seconds\\{listener=\"" + listener + "\"} (\\S+)$")
                .matcher(metrics);
        assertThat(m.find()).as("expiry gauge of " + listener + " in\n" + metrics).isTrue();
        return Double.parseDouble(m.group(1));
    }

    private static SSLContext trusting(X509Certificate ca) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setCertificateEntry("ca", ca);
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }
}
