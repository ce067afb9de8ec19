package io.portcullis.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import io.portcullis.spool.StoredMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SevenBitConverterTest {
    @TempDir
    Path directory;

    @Test
    void convertsEightBitPartsAndLeavesSevenBitOnesAlone() throws Exception {
        Path file = Files.writeString(directory.resolve("m.eml"), """
                Subject: x\r
                MIME-Version: 1.0\r
                Content-Type: multipart/mixed; boundary="B"\r
                \r
                --B\r
                Content-Type: text/plain; charset=us-ascii\r
                \r
                plain ascii\r
                --B\r
                Content-Type: text/plain; charset=utf-8\r
                Content-Transfer-Encoding: 8bit\r
                \r
                Grüße\r
                --B--\r
                """, StandardCharsets.UTF_8);
        assertThat(SevenBitConverter.isEightBit(stored(file))).isTrue();
        byte[] converted = convert(file);
        assertThat(converted).isNotNull();
        String text = new String(converted, StandardCharsets.US_ASCII);
        assertThat(text).startsWith("Subject: x\r\nMIME-Version: 1.0\r\n").doesNotContain("Message-ID", "Date:")
                .contains("--B\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nplain ascii\r\n",
                        "Content-Transfer-Encoding: base64\r\n\r\nR3LDvMOfZQ==");
    }

    @Test
    void refusesMessagesWithEightBitHeaders() throws Exception {
        Path file = Files.writeString(directory.resolve("h.eml"), "Subject: Grüße\r\n\r\nbody\r\n", StandardCharsets.UTF_8);
        assertThat(SevenBitConverter.convert(stored(file))).isNull();
    }

    /** The converted message as written, checked against the size the converter measured. */
    private static byte[] convert(Path file) throws java.io.IOException {
        try (SevenBitConverter.Converted converted = SevenBitConverter.convert(stored(file))) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            converted.writeTo(out);
            assertThat((long) out.size()).isEqualTo(converted.size());
            return out.toByteArray();
        }
    }

    private static StoredMessage stored(Path file) throws java.io.IOException {
        return new StoredMessage(file, Files.size(file));
    }
}
