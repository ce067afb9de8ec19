package io.portcullis.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.spool.StoredMessage;
import jakarta.mail.Multipart;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.util.SharedFileInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 7-bit conversion of a large message streams from the spool file to the next hop: the heap
 * still in use halfway through writing (after a full GC) stays far below the message's size,
 * and what arrives decodes to exactly the original body.
 */
class SevenBitStreamingTest {
    private static final int MEGABYTES = 16;
    private static final byte[] LINE = "Grüße aus der Zeile, mit Umlauten: äöü ÄÖÜ ß, und etwas Text dazu.\r\n"
            .getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path directory;

    @Test
    void convertsALargeMessageWithoutHoldingItInMemory() throws Exception {
        Path file = directory.resolve("large.eml");
        MessageDigest original = MessageDigest.getInstance("SHA-256");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
            out.write(("Subject: large\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n"
                    + "--B\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nascii part\r\n"
                    + "--B\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            long lines = MEGABYTES * 1024L * 1024 / LINE.length;
            for (long i = 0; i < lines; i++) {
                out.write(LINE);
                // The CRLF before the boundary belongs to the boundary (RFC 2046 §5.1.1).
                original.update(LINE, 0, i + 1 < lines ? LINE.length : LINE.length - 2);
            }
            out.write("--B--\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        StoredMessage stored = new StoredMessage(file, Files.size(file));
        long baseline = heapInUseAfterGc();
        Path output = directory.resolve("converted.eml");
        try (SevenBitConverter.Converted converted = SevenBitConverter.convert(stored);
             OutputStream out = new HeapProbe(Files.newOutputStream(output), converted.size() / 2)) {
            converted.writeTo(out);
            long grown = ((HeapProbe) out).inUseHalfway - baseline;
            assertThat(grown).as("heap in use halfway through writing, beyond the baseline").isLessThan(MEGABYTES * 1024L * 1024 / 2);
            assertThat(Files.size(output)).isEqualTo(converted.size());
        }
        assertThat(bodyDigestOfSecondPart(output)).isEqualTo(HexFormat.of().formatHex(original.digest()));
        byte[] head = new byte[64 * 1024];
        try (InputStream in = Files.newInputStream(output)) {
            int n = in.readNBytes(head, 0, head.length);
            for (int i = 0; i < n; i++) {
                assertThat(head[i]).as("octet %d is 7-bit", i).isGreaterThanOrEqualTo((byte) 0);
            }
        }
    }

    private static long heapInUseAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static String bodyDigestOfSecondPart(Path converted) throws Exception {
        try (SharedFileInputStream in = new SharedFileInputStream(converted.toFile())) {
            MimeMessage message = new MimeMessage(Session.getInstance(new Properties()), in);
            Multipart multipart = (Multipart) message.getContent();
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            try (InputStream body = multipart.getBodyPart(1).getInputStream()) {
                byte[] buffer = new byte[64 * 1024];
                for (int n = body.read(buffer); n > 0; n = body.read(buffer)) {
                    digest.update(buffer, 0, n);
                }
            }
            return HexFormat.of().formatHex(digest.digest());
        }
    }

    /** Passes everything on; once {@code probeAt} octets have passed, notes the heap in use after a full GC. */
    private static final class HeapProbe extends java.io.FilterOutputStream {
        private final long probeAt;
        private long written;
        private long inUseHalfway = -1;

        HeapProbe(OutputStream out, long probeAt) {
            super(out);
            this.probeAt = probeAt;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            out.write(bytes, offset, length);
            written += length;
            if (inUseHalfway < 0 && written >= probeAt) {
                inUseHalfway = heapInUseAfterGc();
            }
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }
    }
}
