package io.portcullis.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HeaderScannerTest {

    private static HeaderScanner scanInPieces(String message, int piece) {
        byte[] bytes = message.getBytes(StandardCharsets.US_ASCII);
        HeaderScanner scanner = new HeaderScanner(Long.MAX_VALUE);
        for (int i = 0; i < bytes.length; i += piece) {
            scanner.scan(bytes, i, Math.min(piece, bytes.length - i));
        }
        return scanner;
    }

    @Test
    void countsReceivedFieldsOnlyInTheHeaderSection() {
        String message = "Received: from a\r\n\tby b; now\r\nRECEIVED: x\r\nX-Received: y\r\nSubject: z\r\n\r\n"
                + "Received: in the body does not count\r\n";
        for (int piece = 1; piece <= message.length(); piece++) {
            assertThat(scanInPieces(message, piece).receivedCount()).as("piece " + piece).isEqualTo(2);
        }
    }

    @Test
    void readsAFoldedMessageId() {
        String message = "Subject: x\r\nMessage-ID:\r\n <abc@example.org>\r\nTo: y\r\n\r\nbody\r\n";
        for (int piece = 1; piece <= message.length(); piece++) {
            assertThat(scanInPieces(message, piece).messageId()).as("piece " + piece).isEqualTo("<abc@example.org>");
        }
        assertThat(scanInPieces("Subject: none\r\n\r\nMessage-ID: <body@x>\r\n", 7).messageId()).isNull();
    }
}
