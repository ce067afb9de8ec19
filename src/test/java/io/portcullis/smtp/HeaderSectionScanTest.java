package io.portcullis.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The header section as the scanner sees it, fed in every piece size: size limit, malformed lines, originator fields. */
class HeaderSectionScanTest {

    private static HeaderScanner scan(String message, int piece, long maxSize) {
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        HeaderScanner scanner = new HeaderScanner(maxSize);
        for (int i = 0; i < bytes.length; i += piece) {
            scanner.scan(bytes, i, Math.min(piece, bytes.length - i));
        }
        return scanner;
    }

    private static void forEveryPiece(String message, long maxSize, java.util.function.Consumer<HeaderScanner> check) {
        for (int piece = 1; piece <= message.length(); piece++) {
            check.accept(scan(message, piece, maxSize));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "Subject: x\r\nno colon here\r\nTo: y\r\n\r\nbody\r\n",
        "no colon at all\r\n\r\nbody\r\n",
        " folded before any field\r\nSubject: x\r\n\r\n",
        ": no name\r\n\r\n",
        "Bad Name: space inside the name\r\n\r\n",
        "Subject: x\r\nS\u00fcbject: eight-bit name\r\n\r\n",
        "Subject: x\r\nX-\u007f: delete in the name\r\n\r\n",
        "Subject: x\r\nFrom x@example.test\r\n\r\n",
        "Subject: x\r\nTo: y\r\nunterminated last line",
        "Subject: x\r\nTo \t  ",
    })
    void aLineThatIsNoFieldMakesTheSectionMalformed(String message) {
        forEveryPiece(message, Long.MAX_VALUE, s -> assertThat(s.isMalformed()).as(message).isTrue());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "Subject: x\r\n\tfolded\r\n  twice\r\nTo: y\r\n\r\nno colon in the body\r\n",
        "Subject : obsolete white space before the colon\r\nX-Tab\t: also\r\n\r\n",
        "\r\nno header section at all\r\n",
        "",
        "Subject: only a header, no body",
        "Subject: x\r\n\r\n: body\r\n",
    })
    void wellFormedSectionsAreNotMalformed(String message) {
        forEveryPiece(message, Long.MAX_VALUE, s -> assertThat(s.isMalformed()).as(message).isFalse());
    }

    @ParameterizedTest
    @CsvSource({"27, false", "26, true"})
    void theSizeCountsTheWholeSectionWithItsEmptyLine(long limit, boolean tooLarge) {
        String message = "Subject: abc\r\nTo: y\r\n z\r\n\r\n" + "x".repeat(100) + "\r\n"; // 25 octets of fields, 2 of the empty line
        forEveryPiece(message, limit, s -> assertThat(s.isTooLarge()).isEqualTo(tooLarge));
    }

    @org.junit.jupiter.api.Test
    void paddingBeforeTheFieldsThatMatterGoesPastTheLimit() {
        String padding = ("X-Pad: " + "p".repeat(8000) + "\r\n").repeat(140);
        HeaderScanner scanner = scan(padding + "Subject: viagra\r\n\r\nbody\r\n", 65536, 100 * 1024);
        assertThat(scanner.isTooLarge()).isTrue();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "From: a@example.org\\r\\nSubject: x\\r\\n\\r\\n                       | 1 | a@example.org | 0 | false",
        "From: a@example.org\\r\\nFROM: b@example.test\\r\\n\\r\\n              | 2 | a@example.org | 0 | false",
        "from:a@example.org\\r\\n\\r\\nFrom: body@example.test\\r\\n              | 1 | a@example.org | 0 | false",
        "From : a@example.test\\r\\n\\r\\n                                      | 1 | a@example.test | 0 | true",
        "From\\t: a@example.test\\r\\n\\r\\n                                     | 1 | a@example.test | 0 | true",
        "From:\\r\\n A\\r\\n <a@example.test>\\r\\nSender: s@example.org\\r\\n\\r\\n | 1 | A <a@example.test> | 1 | false",
        "Sender: s@example.org\\r\\nSENDER: t@example.test\\r\\n\\r\\n             | 0 |  | 2 | false",
        "X-From: a@example.test\\r\\nResent-From: b@example.test\\r\\n\\r\\n     | 0 |  | 0 | false",
    })
    void originatorFieldsAreCountedAndTheFirstOneKept(String message, int fromCount, String from, int senderCount,
                                                     boolean irregular) {
        String raw = message.strip().replace("\\r\\n", "\r\n").replace("\\t", "\t") + "\r\n";
        forEveryPiece(raw, Long.MAX_VALUE, s -> {
            HeaderScanner.Originators originators = s.originators();
            assertThat(originators.fromCount()).isEqualTo(fromCount);
            assertThat(originators.from()).isEqualTo(from);
            assertThat(originators.senderCount()).isEqualTo(senderCount);
            assertThat(originators.irregular()).isEqualTo(irregular);
        });
    }

    @org.junit.jupiter.api.Test
    void anOverLongFromIsIrregularWhereverItsLengthHides() {
        String spaces = "From:" + " ".repeat(1000) + "ceo@example.test\r\n\r\n";
        String folded = "From: \"" + "x\r\n ".repeat(600) + "\" <ceo@example.test>\r\n\r\n";
        for (String message : new String[] {spaces, folded}) {
            assertThat(scan(message, 7, Long.MAX_VALUE).originators().irregular()).isTrue();
        }
        assertThat(scan("From: " + "x".repeat(900) + " <a@example.org>\r\n\r\n", 7, Long.MAX_VALUE)
                .originators().irregular()).isFalse();
    }
}
