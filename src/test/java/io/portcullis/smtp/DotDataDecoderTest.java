package io.portcullis.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The DATA decoder fed its input split at every possible point, as real sockets split it: the
 * decoded message and the octets left over for the next command must not depend on the split.
 */
class DotDataDecoderTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "empty message          | .\\r\\nQUIT\\r\\n                        | ''                             | QUIT\\r\\n",
        "simple                 | a\\r\\nb\\r\\n.\\r\\n                    | a\\r\\nb\\r\\n                 | ''",
        "stuffed dot            | ..a\\r\\n...\\r\\n.\\r\\n                | .a\\r\\n..\\r\\n               | ''",
        "dot inside a line      | a.b\\r\\n.\\r\\nNOOP\\r\\n               | a.b\\r\\n                      | NOOP\\r\\n",
        "bare LF dot LF is data | a\\n.\\nb\\r\\n.\\r\\n                    | a\\n.\\nb\\r\\n                 | ''",
        "CR LF dot LF is data   | a\\r\\n.\\nb\\r\\n.\\r\\n                 | a\\r\\n\\nb\\r\\n               | ''",
        "dot CR then text       | a\\r\\n.\\rb\\r\\n.\\r\\n                 | a\\r\\n\\rb\\r\\n               | ''",
        "dot CR CR LF           | a\\r\\n.\\r\\r\\n.\\r\\n                 | a\\r\\n\\r\\r\\n                | ''"})
    void decodesTheSameWhereverTheInputIsSplit(String name, String input, String message, String rest) throws IOException {
        byte[] bytes = unescape(input).getBytes(StandardCharsets.ISO_8859_1);
        for (int first = 0; first <= bytes.length; first++) {
            for (int second = first; second <= bytes.length; second++) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                DotDataDecoder decoder = new DotDataDecoder(out);
                int consumed = feed(decoder, bytes, 0, first);
                if (!decoder.isFinished()) {
                    consumed += feed(decoder, bytes, first, second);
                }
                if (!decoder.isFinished()) {
                    consumed += feed(decoder, bytes, second, bytes.length);
                }
                String split = " (split at " + first + "," + second + ")";
                assertThat(decoder.isFinished()).as("finished" + split).isTrue();
                assertThat(out.toString(StandardCharsets.ISO_8859_1)).as("message" + split).isEqualTo(unescape(message));
                assertThat(new String(bytes, consumed, bytes.length - consumed, StandardCharsets.ISO_8859_1))
                        .as("left over" + split).isEqualTo(unescape(rest));
            }
        }
    }

    private static int feed(DotDataDecoder decoder, byte[] bytes, int from, int to) throws IOException {
        return from >= to ? 0 : decoder.decode(bytes, from, to);
    }

    static String unescape(String text) {
        return text.replace("\\r", "\r").replace("\\n", "\n");
    }
}
