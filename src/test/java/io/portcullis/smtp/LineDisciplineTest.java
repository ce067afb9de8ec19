package io.portcullis.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LineDisciplineTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "clean                | a\\r\\nbb\\r\\n      | NONE",
        "bare LF              | a\\nb\\r\\n          | BARE_LINE_END",
        "bare CR              | a\\rb\\r\\n          | BARE_LINE_END",
        "CR at the very end   | a\\r\\nb\\r          | BARE_LINE_END",
        "CR CR LF             | a\\r\\r\\n           | BARE_LINE_END",
        "NUL                  | a\\u0000\\r\\n       | NUL",
        "line at the limit    | 12345\\r\\n          | NONE",
        "line over the limit  | 123456\\r\\n         | LINE_TOO_LONG",
        "no final line end    | abc                  | NONE"})
    void findsTheFirstViolationWhereverTheContentIsSplit(String name, String content, LineDiscipline.Violation expected) {
        byte[] bytes = content.strip().replace("\\r", "\r").replace("\\n", "\n").replace("\\u0000", "\0")
                .getBytes(StandardCharsets.ISO_8859_1);
        for (int split = 0; split <= bytes.length; split++) {
            LineDiscipline discipline = new LineDiscipline(5);
            discipline.check(bytes, 0, split);
            discipline.check(bytes, split, bytes.length - split);
            assertThat(discipline.finish()).as("split at " + split).isEqualTo(expected);
        }
    }
}
