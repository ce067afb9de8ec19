package io.portcullis.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.config.TlsConfig;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A careless admin (or a compromised ACME hook) points the watched certificate or key path at
 * something that is not a small PEM file: a huge (sparse) file, {@code /dev/zero}, a FIFO nobody
 * writes. The certificate check must refuse it at once (the old pair stays in service, the next
 * good pair is still picked up), never read without bound (an OutOfMemoryError kills the
 * certificate-checks task for good) nor block the check forever.
 */
class CertificateFileBoundsTest {
    @TempDir
    Path directory;

    private ServerTlsContext watchedPair(Path certificate, Path key) throws Exception {
        Instant now = Instant.now();
        TestCertificates.write(certificate, key, TestCertificates.issue("gateway.test", now.minus(Duration.ofDays(1)),
                now.plus(Duration.ofDays(90)), null, false));
        return TlsContexts.listenerContext("in", TlsConfig.of(certificate, key, false), directory, "gateway.test");
    }

    private static Instant later(int step) {
        return Instant.now().plus(Duration.ofDays(step));
    }

    @Test
    void aHugeCertificateFileIsRefusedAndTheOldPairStays() throws Exception {
        Path certificate = directory.resolve("certificate.pem");
        Path key = directory.resolve("key.pem");
        ServerTlsContext context = watchedPair(certificate, key);
        var served = context.certificate();
        Path huge = directory.resolve("huge.pem");
        try (RandomAccessFile file = new RandomAccessFile(huge.toFile(), "rw")) {
            file.setLength(3L * 1024 * 1024 * 1024); // sparse: no disk used, but larger than any array
        }
        Files.delete(certificate);
        Files.createSymbolicLink(certificate, huge);

        assertThat(context.checkFilesIfDue(later(1))).isEqualTo(CertificateWatch.Outcome.REFUSED);
        assertThat(context.certificate()).isEqualTo(served);

        // and a good pair written afterwards is still served
        Files.delete(certificate);
        Instant now = Instant.now();
        TestCertificates.write(certificate, key, TestCertificates.issue("renewed.test", now.minus(Duration.ofDays(1)),
                now.plus(Duration.ofDays(90)), null, false));
        assertThat(context.checkFilesIfDue(later(2))).isEqualTo(CertificateWatch.Outcome.RELOADED);
        assertThat(context.certificate().getSubjectX500Principal().getName()).isEqualTo("CN=renewed.test");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aKeyPathToDevZeroIsRefused() throws Exception {
        Path certificate = directory.resolve("certificate.pem");
        Path key = directory.resolve("key.pem");
        ServerTlsContext context = watchedPair(certificate, key);
        Files.delete(key);
        Files.createSymbolicLink(key, Path.of("/dev/zero"));

        assertThat(context.checkFilesIfDue(later(1))).isEqualTo(CertificateWatch.Outcome.REFUSED);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aCertificatePathToAFifoDoesNotBlockTheCheck() throws Exception {
        Path certificate = directory.resolve("certificate.pem");
        Path key = directory.resolve("key.pem");
        ServerTlsContext context = watchedPair(certificate, key);
        Files.delete(certificate);
        Process mkfifo = new ProcessBuilder("mkfifo", certificate.toString()).inheritIO().start();
        assertThat(mkfifo.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(mkfifo.exitValue()).isZero();

        assertThat(context.checkFilesIfDue(later(1))).isEqualTo(CertificateWatch.Outcome.REFUSED);
    }

    @Test
    void aHugeFileIsRefusedAtStartWithItsName() throws Exception {
        Path certificate = directory.resolve("certificate.pem");
        Path key = directory.resolve("key.pem");
        watchedPair(certificate, key);
        try (RandomAccessFile file = new RandomAccessFile(key.toFile(), "rw")) {
            file.setLength(3L * 1024 * 1024 * 1024);
        }
        assertThatThrownBy(() -> TlsContexts.serverContext(certificate, key, TlsConfig.of(certificate, key, false)))
                .isInstanceOf(IOException.class).hasMessageContaining(key.toString()).hasMessageContaining("larger than");
    }
}
