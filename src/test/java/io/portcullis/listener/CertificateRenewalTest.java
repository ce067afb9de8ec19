package io.portcullis.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.portcullis.config.ConfigLoader;
import io.portcullis.testing.Eventually;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A listener's certificate renewed on disk by an external ACME client is served to new handshakes
 * without a reload, however the client writes the files (renamed into place, written in place key
 * first, symbolic links repointed as certbot does); sessions already running go on with the old
 * one; a pair that does not load (a key that does not fit, a half-written file) keeps the old
 * certificate and is logged once; the expiry gauge follows; the generated certificate is renewed
 * through the same swap.
 */
class CertificateRenewalTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @TempDir
    Path directory;

    private TestCertificates.Issued first;
    private TestCertificates.Issued renewed;

    @BeforeEach
    void issueAndCaptureLogs() throws Exception {
        logs.start();
        Logger watch = (Logger) org.slf4j.LoggerFactory.getLogger(CertificateWatch.class);
        watch.setLevel(Level.INFO); // whatever an earlier test in this JVM left io.portcullis at
        watch.addAppender(logs);
        Instant now = Instant.now();
        first = TestCertificates.issue("gateway.test", now.minus(Duration.ofDays(60)), now.plus(Duration.ofDays(30)), null, false);
        renewed = TestCertificates.issue("gateway.test", now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(90)), null, false);
    }

    @AfterEach
    void releaseLogs() {
        Logger watch = (Logger) org.slf4j.LoggerFactory.getLogger(CertificateWatch.class);
        watch.detachAppender(logs);
        watch.setLevel(null);
    }

    /** How an ACME client puts the renewed pair where the listener's configuration points. */
    enum Renewal {
        /** New files written beside the old ones and renamed over them, key first (acme.sh with a reload hook, lego). */
        RENAMED,
        /** The old files truncated and written again, the key first, the certificate a moment later (cp). */
        WRITTEN_IN_PLACE_KEY_FIRST,
        /** The configured paths are symbolic links into an archive, repointed to new files (certbot's live/). */
        SYMBOLIC_LINKS_REPOINTED
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Renewal.class)
    void aRenewedCertificateIsServedToNewHandshakesAndRunningSessionsContinue(Renewal renewal) throws Exception {
        Path live = directory.resolve("live");
        Files.createDirectories(live);
        Path certificateFile = live.resolve("fullchain.pem");
        Path keyFile = live.resolve("privkey.pem");
        if (renewal == Renewal.SYMBOLIC_LINKS_REPOINTED) {
            TestCertificates.write(directory.resolve("archive/fullchain1.pem"), directory.resolve("archive/privkey1.pem"), first);
            Files.createSymbolicLink(certificateFile, Path.of("../archive/fullchain1.pem"));
            Files.createSymbolicLink(keyFile, Path.of("../archive/privkey1.pem"));
        } else {
            TestCertificates.write(certificateFile, keyFile, first);
        }
        try (TestGateway gateway = TestGateway.startYaml(withTls(certificateFile, keyFile, "1s"))) {
            int port = gateway.inboundPort();
            assertThat(served(port)).isEqualTo(first.certificate());
            assertThat(expirySeconds(gateway.metrics())).isCloseTo(secondsLeft(first), org.assertj.core.data.Offset.offset(600.0));
            // A repeat sender: its client context keeps the session (and ticket) of its first handshake.
            javax.net.ssl.SSLContext repeatSender = SmtpScript.trustAll();
            assertThat(served(port, repeatSender)).isEqualTo(first.certificate());
            assertThat(served(port, repeatSender)).isEqualTo(first.certificate());
            assertThat(resumedSessions(gateway.metrics())).as("the repeat sender resumes").isEqualTo(1.0);
            try (SSLSocket running = StartTlsClient.handshake(port, socket -> { })) {
                assertThat(running.getSession().getPeerCertificates()[0]).isEqualTo(first.certificate());

                switch (renewal) {
                    case RENAMED -> {
                        TestCertificates.write(live.resolve(".fullchain.tmp"), live.resolve(".privkey.tmp"), renewed);
                        Files.move(live.resolve(".privkey.tmp"), keyFile, StandardCopyOption.ATOMIC_MOVE,
                                StandardCopyOption.REPLACE_EXISTING);
                        Files.move(live.resolve(".fullchain.tmp"), certificateFile, StandardCopyOption.ATOMIC_MOVE,
                                StandardCopyOption.REPLACE_EXISTING);
                    }
                    case WRITTEN_IN_PLACE_KEY_FIRST -> {
                        Path scratch = directory.resolve("scratch");
                        TestCertificates.write(scratch.resolve("c.pem"), scratch.resolve("k.pem"), renewed);
                        Files.write(keyFile, Files.readAllBytes(scratch.resolve("k.pem")));
                        // The new key beside the old certificate: not served, said once, the old pair stays.
                        Eventually.await(WAIT, "an error for the key that does not fit", () -> errors() == 1);
                        assertThat(lastError()).contains(keyFile.toString()).contains("does not fit");
                        assertThat(served(port)).isEqualTo(first.certificate());
                        Eventually.never(Duration.ofSeconds(3), "a second error for the same files", () -> errors() > 1);
                        Files.write(certificateFile, Files.readAllBytes(scratch.resolve("c.pem")));
                    }
                    case SYMBOLIC_LINKS_REPOINTED -> {
                        TestCertificates.write(directory.resolve("archive/fullchain2.pem"),
                                directory.resolve("archive/privkey2.pem"), renewed);
                        repoint(keyFile, Path.of("../archive/privkey2.pem"));
                        repoint(certificateFile, Path.of("../archive/fullchain2.pem"));
                    }
                }

                Eventually.await(WAIT, "a new handshake presents the renewed certificate",
                        () -> served(port).equals(renewed.certificate()));
                assertThat(expirySeconds(gateway.metrics())).isCloseTo(secondsLeft(renewed),
                        org.assertj.core.data.Offset.offset(600.0));
                // It does not resume into its session made with the old certificate: a full handshake shows the new one.
                assertThat(served(port, repeatSender)).isEqualTo(renewed.certificate());
                assertThat(resumedSessions(gateway.metrics())).isEqualTo(1.0);
                // The session that started with the old certificate still completes a transaction.
                assertThat(StartTlsClient.sendMessage(running)).startsWith("250 2.0.0");
            }
            try (SmtpScript fresh = gateway.connect()) {
                fresh.expect("220").send("EHLO client.test").expect("250 ");
                fresh.startTls().send("EHLO client.test").expect("250 ");
                fresh.sendMessage("sender@client.test", "someone@example.test", "Subject: after\r\n\r\nx\r\n");
            }
            assertThat(gateway.queued()).hasSize(2);
            assertThat(errors()).isEqualTo(renewal == Renewal.WRITTEN_IN_PLACE_KEY_FIRST ? 1 : 0);
            assertThat(logs.list).anyMatch(event -> event.getLevel() == Level.INFO
                    && event.getFormattedMessage().contains("serving the new TLS certificate"));
        }
    }

    /** What the renewal left on disk that must not be served. */
    enum BrokenPair {
        KEY_OF_ANOTHER_CERTIFICATE, HALF_WRITTEN_CERTIFICATE, NOT_PEM
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(BrokenPair.class)
    void aPairThatDoesNotLoadKeepsTheOldCertificateAndIsLoggedOnce(BrokenPair broken) throws Exception {
        Path certificateFile = directory.resolve("cert.pem");
        Path keyFile = directory.resolve("key.pem");
        TestCertificates.write(certificateFile, keyFile, first);
        Path scratch = directory.resolve("scratch");
        TestCertificates.write(scratch.resolve("cert.pem"), scratch.resolve("key.pem"), renewed);
        byte[] renewedCertificate = Files.readAllBytes(scratch.resolve("cert.pem"));
        try (TestGateway gateway = TestGateway.startYaml(withTls(certificateFile, keyFile, "1s"))) {
            int port = gateway.inboundPort();
            switch (broken) {
                case KEY_OF_ANOTHER_CERTIFICATE -> Files.write(certificateFile, renewedCertificate);
                case HALF_WRITTEN_CERTIFICATE -> Files.write(certificateFile,
                        Arrays.copyOf(renewedCertificate, renewedCertificate.length / 2));
                case NOT_PEM -> Files.writeString(certificateFile, "<html>502 Bad Gateway</html>\n");
            }
            Eventually.await(WAIT, "an error for the files that do not load", () -> errors() == 1);
            assertThat(lastError()).contains("listener inbound").contains(certificateFile.toString())
                    .contains("still serving the certificate valid until " + first.certificate().getNotAfter().toInstant());
            Eventually.never(Duration.ofSeconds(3), "a second error for the same files", () -> errors() > 1);
            assertThat(served(port)).isEqualTo(first.certificate());
            assertThat(expirySeconds(gateway.metrics())).isCloseTo(secondsLeft(first), org.assertj.core.data.Offset.offset(600.0));
            try (SmtpScript fresh = gateway.connect()) {
                fresh.expect("220").send("EHLO client.test").expect("250 ");
                fresh.startTls().send("EHLO client.test").expect("250 ");
                fresh.sendMessage("sender@client.test", "someone@example.test", "Subject: meanwhile\r\n\r\nx\r\n");
            }

            // The renewal completes: the whole new pair is served.
            Files.copy(scratch.resolve("key.pem"), keyFile, StandardCopyOption.REPLACE_EXISTING);
            Files.write(certificateFile, renewedCertificate);
            Eventually.await(WAIT, "the completed pair is served", () -> served(port).equals(renewed.certificate()));
            assertThat(errors()).isEqualTo(1);
        }
    }

    @Test
    void aKeyThatDoesNotFitItsCertificateIsRefusedAtStart() throws Exception {
        TestCertificates.write(directory.resolve("cert.pem"), directory.resolve("key.pem"), first);
        TestCertificates.write(directory.resolve("other.pem"), directory.resolve("other-key.pem"), renewed);
        Path config = directory.resolve("gateway.yaml");
        Files.writeString(config, withTls(directory.resolve("cert.pem"), directory.resolve("other-key.pem"), "1s"));
        assertThatThrownBy(() -> io.portcullis.app.Gateway.start(ConfigLoader.load(config), directory.resolve("data")).close())
                .isInstanceOf(IOException.class).hasMessageContaining("other-key.pem: the key does not fit the certificate in "
                        + directory.resolve("cert.pem"));
    }

    @Test
    void theGeneratedCertificateIsRenewedWhileRunningThroughTheSameSwap() throws Exception {
        try (TestGateway gateway = TestGateway.startYaml(withTls("self-signed: true\nreload-interval: 1s"))) {
            int port = gateway.inboundPort();
            X509Certificate generated = served(port);
            // The generated pair is found 20 days from its end (as if the gateway had run for 11 months).
            Instant now = Instant.now();
            Path tls = gateway.dataDirectory().resolve("tls");
            TestCertificates.write(tls.resolve("certificate.new"), tls.resolve("key.new"), TestCertificates.issue(
                    "gateway.test", now.minus(Duration.ofDays(345)), now.plus(Duration.ofDays(20)), null, false));
            Files.move(tls.resolve("key.new"), tls.resolve("key.pem"), StandardCopyOption.REPLACE_EXISTING);
            Files.move(tls.resolve("certificate.new"), tls.resolve("certificate.pem"), StandardCopyOption.REPLACE_EXISTING);

            X509Certificate renewedOnline = Eventually.value(WAIT, "a newly generated certificate, valid for a year",
                    () -> served(port), c -> !c.equals(generated)
                            && c.getNotAfter().toInstant().isAfter(Instant.now().plus(Duration.ofDays(360))));
            assertThat(read(tls.resolve("certificate.pem"))).isEqualTo(renewedOnline);
            assertThat(expirySeconds(gateway.metrics())).isGreaterThan(Duration.ofDays(360).toSeconds());
            assertThat(errors()).isZero();
        }
    }

    // ---- helpers

    /** The leaf certificate a new STARTTLS handshake on {@code port} presents. */
    private static X509Certificate served(int port) throws IOException {
        try (SSLSocket tls = StartTlsClient.handshake(port, socket -> { })) {
            return (X509Certificate) tls.getSession().getPeerCertificates()[0];
        }
    }

    /** As {@link #served(int)} for a client that keeps its sessions; reads a reply, which takes in a TLS 1.3 ticket. */
    private static X509Certificate served(int port, javax.net.ssl.SSLContext client) throws IOException {
        try (SSLSocket tls = StartTlsClient.handshake(port, client, socket -> { })) {
            tls.getOutputStream().write("EHLO client.test\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            assertThat(StartTlsClient.reply(tls.getInputStream())).startsWith("250-");
            return (X509Certificate) tls.getSession().getPeerCertificates()[0];
        }
    }

    private static void repoint(Path link, Path target) throws IOException {
        Path fresh = link.resolveSibling(link.getFileName() + ".new");
        Files.createSymbolicLink(fresh, target);
        Files.move(fresh, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private long errors() {
        return logs.list.stream().filter(event -> event.getLevel() == Level.ERROR).count();
    }

    private String lastError() {
        return logs.list.stream().filter(event -> event.getLevel() == Level.ERROR).reduce((a, b) -> b)
                .map(ILoggingEvent::getFormattedMessage).orElse("");
    }

    private static double secondsLeft(TestCertificates.Issued issued) {
        return Duration.between(Instant.now(), issued.certificate().getNotAfter().toInstant()).toSeconds();
    }

    private static X509Certificate read(Path file) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(file)));
    }

    private static String withTls(Path certificate, Path key, String interval) throws IOException {
        return withTls("certificate: " + certificate + "\nkey: " + key + "\nreload-interval: " + interval);
    }

    /** The test gateway's YAML with the inbound listener's tls section replaced by {@code tls}. */
    private static String withTls(String tls) throws IOException {
        String yaml = TestGateway.defaultYaml("");
        int start = yaml.indexOf("    tls:\n");
        int end = yaml.indexOf("    limits:\n");
        return yaml.substring(0, start) + "    tls:\n" + tls.stripIndent().indent(6) + yaml.substring(end);
    }

    private static double resumedSessions(String metrics) {
        Matcher m = Pattern.compile("(?m)^portcullis_tls_sessions_total\\{flow=\"inbound\",listener=\"inbound\",resumed=\"true\"} (\\S+)$")
                .matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    private static double expirySeconds(String metrics) {
        Matcher m = Pattern.compile("(?m)^portcullis_tls_certificate_expiry_seconds\\{listener=\"inbound\"} (\\S+)$")
                .matcher(metrics);
        assertThat(m.find()).as("expiry gauge in\n" + metrics).isTrue();
        return Double.parseDouble(m.group(1));
    }
}
