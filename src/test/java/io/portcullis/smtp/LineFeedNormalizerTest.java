package io.portcullis.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Bare LF to CRLF in message content, fed split at every point (a CR and its LF may arrive apart). */
class LineFeedNormalizerTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "CRLF unchanged        | a\\r\\nb\\r\\n         | a\\r\\nb\\r\\n",
        "bare LF               | a\\nb\\n               | a\\r\\nb\\r\\n",
        "LF at the start       | \\na                   | \\r\\na",
        "blank lines           | a\\n\\n\\nb            | a\\r\\n\\r\\n\\r\\nb",
        "dot line stays a line | a\\n.\\nb              | a\\r\\n.\\r\\nb",
        "bare CR left alone    | a\\rb\\r\\r\\nc        | a\\rb\\r\\r\\nc",
        "LF then CR            | a\\n\\rb               | a\\r\\n\\rb",
        "no line end           | abc                    | abc"})
    void normalizesWhereverTheInputIsSplit(String name, String input, String expected) throws IOException {
        byte[] bytes = unescape(input.strip()).getBytes(StandardCharsets.ISO_8859_1);
        for (int split = 0; split <= bytes.length; split++) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            LineFeedNormalizer normalizer = new LineFeedNormalizer(out);
            normalizer.write(bytes, 0, split);
            normalizer.write(bytes, split, bytes.length - split);
            assertThat(out.toString(StandardCharsets.ISO_8859_1)).as("split at %d", split).isEqualTo(unescape(expected.strip()));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LineFeedNormalizer normalizer = new LineFeedNormalizer(out);
        for (byte b : bytes) {
            normalizer.write(b);
        }
        assertThat(out.toString(StandardCharsets.ISO_8859_1)).as("byte by byte").isEqualTo(unescape(expected.strip()));
    }

    private static String unescape(String text) {
        return text.replace("\\r", "\r").replace("\\n", "\n");
    }
}
