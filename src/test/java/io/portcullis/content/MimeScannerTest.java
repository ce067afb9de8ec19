package io.portcullis.content;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.config.MimeLimits;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The streaming MIME scan, fed its input in pieces of every size from one octet up (as a file or
 * a decoder may hand it over): the findings, the entities seen and the decoded text are the same
 * however the input is split.
 */
class MimeScannerTest {
    private static final MimeLimits LIMITS = new MimeLimits(20, 4, 64 * 1024);

    record Case(String name, String message, Class<? extends MimeFinding> finding, int entities, String text) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Case> cases() {
        String b64 = Base64.getMimeEncoder(8, new byte[] {'\r', '\n'}).encodeToString("héllo wörld".getBytes(StandardCharsets.UTF_8));
        return List.of(
                new Case("plain text", "Subject: x\r\n\r\nhello\r\n", null, 1, "hello\r\n"),
                new Case("no empty line after the fields", "Subject: x\r\nnot a field\r\n", null, 1, "not a field\r\n"),
                new Case("base64 over short lines", "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                        + b64 + "\r\n", null, 1, "héllo wörld"),
                new Case("quoted-printable soft breaks", "Content-Transfer-Encoding: quoted-printable\r\n\r\nwire the =\r\nmon=65y\r\n",
                        null, 1, "wire the money\r\n"),
                new Case("two parts", multipart("b", "\r\none\r\n--b\r\n\r\ntwo\r\n"), null, 3, "one\r\ntwo\r\n"),
                new Case("a delimiter-like text inside a 20,000-octet line", multipart("b",
                        "\r\n" + "a".repeat(MimeLines.MAX_PIECE) + "--b--\r\n--b\r\n\r\nsecond\r\n"), null, 3, null),
                new Case("transport padding after delimiters", "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b \t\r\n\r\nx\r\n--b-- \r\n",
                        null, 2, "x\r\n"),
                new Case("a base64-encoded message/rfc822", multipart("b", "Content-Type: message/rfc822\r\n"
                        + "Content-Transfer-Encoding: base64\r\n\r\n" + Base64.getMimeEncoder().encodeToString(
                        "Subject: in\r\n\r\ninside\r\n".getBytes(StandardCharsets.US_ASCII)) + "\r\n"), null, 3, "inside\r\n"),
                new Case("21 entities", multipart("b", "\r\nx\r\n--b\r\n".repeat(19) + "\r\nx\r\n"), MimeFinding.TooManyParts.class,
                        20, null),
                new Case("5 levels", "Content-Type: message/rfc822\r\n\r\n".repeat(5) + "\r\nx\r\n", MimeFinding.TooDeep.class, 5, null),
                new Case("more decoded than 64 KB", "Subject: x\r\n\r\n" + "y".repeat(70).concat("\r\n").repeat(1000),
                        MimeFinding.DecodedTooLarge.class, 1, null),
                new Case("no boundary", "Content-Type: multipart/mixed\r\n\r\n--b\r\n\r\nx\r\n--b--\r\n",
                        MimeFinding.Malformed.class, 1, null),
                new Case("no first delimiter", "Content-Type: multipart/mixed; boundary=b\r\n\r\nx\r\n",
                        MimeFinding.Malformed.class, 1, null),
                new Case("prefix boundaries", multipart("b", "Content-Type: multipart/mixed; boundary=b2\r\n\r\n--b2\r\n\r\nx\r\n"),
                        MimeFinding.Ambiguous.class, 2, null),
                new Case("a folded second Content-Type", multipart("b", "Content-Type: text/plain\r\nContent-Type:\r\n application/x-other\r\n\r\nx\r\n"),
                        MimeFinding.Ambiguous.class, 1, null));
    }

    private static String multipart(String boundary, String parts) {
        return "Content-Type: multipart/mixed; boundary=\"" + boundary + "\"\r\n\r\npreamble\r\n--" + boundary + "\r\n" + parts
                + "--" + boundary + "--\r\nepilogue\r\n";
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void sameResultHoweverTheInputIsSplit(Case c) throws IOException {
        for (int piece : new int[] {1, 2, 3, 5, 13, 64, 4096, Integer.MAX_VALUE}) {
            Recorder recorder = new Recorder();
            MimeFinding finding = scan(c.message(), piece, recorder);
            if (c.finding() == null) {
                assertThat(finding).as("piece size %d", piece).isNull();
            } else {
                assertThat(finding).as("piece size %d", piece).isInstanceOf(c.finding());
            }
            assertThat(recorder.entities).as("piece size %d", piece).isEqualTo(c.entities());
            if (c.text() != null) {
                assertThat(recorder.text.toString(StandardCharsets.UTF_8)).as("piece size %d", piece).isEqualTo(c.text());
            }
        }
    }

    private static MimeFinding scan(String message, int piece, MimeScanner.Visitor visitor) throws IOException {
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        List<HeaderField> headers = new ArrayList<>();
        int offset = 0;
        while (offset < bytes.length) { // one field a line (folded ones unfolded by HeaderField.value())
            int end = indexOf(bytes, offset);
            int colon = new String(bytes, offset, end - offset, StandardCharsets.UTF_8).indexOf(':');
            if (end == offset || colon <= 0 || bytes[offset] == ' ') {
                break;
            }
            int fieldEnd = end + 2;
            while (fieldEnd < bytes.length && (bytes[fieldEnd] == ' ' || bytes[fieldEnd] == '\t')) {
                fieldEnd = indexOf(bytes, fieldEnd) + 2;
            }
            headers.add(new HeaderField(new String(bytes, offset, colon, StandardCharsets.US_ASCII),
                    Arrays.copyOfRange(bytes, offset, fieldEnd)));
            offset = fieldEnd;
        }
        return MimeScanner.scan(headers, new Pieces(Arrays.copyOfRange(bytes, offset, bytes.length), piece),
                bytes.length - offset, LIMITS, Deadline.NONE, visitor);
    }

    private static int indexOf(byte[] bytes, int from) {
        for (int i = from; i + 1 < bytes.length; i++) {
            if (bytes[i] == '\r' && bytes[i + 1] == '\n') {
                return i;
            }
        }
        return bytes.length;
    }

    /** Counts entities and keeps the decoded text of text/* leaves. */
    private static final class Recorder implements MimeScanner.Visitor {
        int entities;
        final ByteArrayOutputStream text = new ByteArrayOutputStream();

        @Override
        public MimeFinding entity(MimeScanner.Entity entity) {
            entities++;
            return null;
        }

        @Override
        public MimeScanner.TextSink text(MimeScanner.Entity entity) {
            return !entity.baseType().startsWith("text/") ? null : new MimeScanner.TextSink() {
                @Override
                public void write(byte[] bytes, int length) {
                    text.write(bytes, 0, length);
                }

                @Override
                public void end() {
                }
            };
        }
    }

    /** At most {@code piece} octets a read. */
    private static final class Pieces extends InputStream {
        private final byte[] bytes;
        private final int piece;
        private int position;

        Pieces(byte[] bytes, int piece) {
            this.bytes = bytes;
            this.piece = piece;
        }

        @Override
        public int read() {
            return position < bytes.length ? bytes[position++] & 0xff : -1;
        }

        @Override
        public int read(byte[] into, int offset, int length) {
            if (position == bytes.length) {
                return -1;
            }
            int n = Math.min(Math.min(length, piece), bytes.length - position);
            System.arraycopy(bytes, position, into, offset, n);
            position += n;
            return n;
        }
    }
}
