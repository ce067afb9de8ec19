package io.portcullis.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.Eventually;
import io.portcullis.testing.GatewayProcess;
import io.portcullis.testing.TestGateway;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway as its own JVM (as {@code bin/portcullis run} starts it) serves a certificate that an
 * ACME client renewed on disk, with no reload and no signal; a session open across the renewal
 * completes its transaction.
 */
class CertificateRenewalProcessTest {
    @TempDir
    Path directory;

    @Test
    void aRunningGatewayServesTheRenewedCertificate() throws Exception {
        Instant now = Instant.now();
        TestCertificates.Issued first = TestCertificates.issue("gateway.test", now.minus(Duration.ofDays(80)),
                now.plus(Duration.ofDays(10)), null, false);
        TestCertificates.Issued renewed = TestCertificates.issue("gateway.test", now.minus(Duration.ofHours(1)),
                now.plus(Duration.ofDays(90)), null, false);
        Path certificateFile = directory.resolve("fullchain.pem");
        Path keyFile = directory.resolve("privkey.pem");
        TestCertificates.write(certificateFile, keyFile, first);
        String yaml = TestGateway.defaultYaml("");
        yaml = yaml.substring(0, yaml.indexOf("    tls:\n")) + "    tls:\n      certificate: " + certificateFile
                + "\n      key: " + keyFile + "\n      reload-interval: 1s\n" + yaml.substring(yaml.indexOf("    limits:\n"));
        Path config = Files.writeString(directory.resolve("gateway.yaml"), yaml);
        try (GatewayProcess gateway = GatewayProcess.start(config, directory.resolve("data"))) {
            int port = gateway.inboundPort();
            assertThat(served(port)).isEqualTo(first.certificate());
            try (SSLSocket running = StartTlsClient.handshake(port, socket -> { })) {
                TestCertificates.write(directory.resolve("fullchain.new"), directory.resolve("privkey.new"), renewed);
                Files.move(directory.resolve("privkey.new"), keyFile, StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
                Files.move(directory.resolve("fullchain.new"), certificateFile, StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);

                Eventually.await(Duration.ofSeconds(30), "the gateway process serves the renewed certificate",
                        () -> served(port).equals(renewed.certificate()));
                assertThat(StartTlsClient.sendMessage(running)).startsWith("250 2.0.0");
            }
            assertThat(gateway.output()).anyMatch(line -> line.contains("listener inbound: serving the new TLS certificate from "
                    + certificateFile));
            assertThat(gateway.output()).noneMatch(line -> line.contains("ERROR"));
        }
    }

    private static X509Certificate served(int port) throws IOException {
        try (SSLSocket tls = StartTlsClient.handshake(port, socket -> { })) {
            return (X509Certificate) tls.getSession().getPeerCertificates()[0];
        }
    }
}
