package io.portcullis.content;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The finder of files encoded inside text, fed decoded text split at every possible point (as a
 * transfer decoder hands it over) and line by line (as a part without transfer encoding is read):
 * both ways find the same names.
 */
class EmbeddedFileFinderTest {
    record Case(String name, String text, List<String> names, boolean overlong) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Case> cases() {
        String uuBody = "M35J0``,````$````\r\n`\r\nend\r\n";
        return List.of(
                new Case("uuencode", "hello\r\nbegin 644 evil.exe\r\n" + uuBody, List.of("evil.exe"), false),
                new Case("uuencode without a final line end", "begin 755 a b.scr", List.of("a b.scr"), false),
                new Case("begin-base64", "begin-base64 0644 x.js\nTVo=\n====\n", List.of("x.js"), false),
                new Case("two files", "begin 644 one.txt\r\n" + uuBody + "begin 600 two.exe\r\n" + uuBody,
                        List.of("one.txt", "two.exe"), false),
                new Case("not uuencode", "begin with this\r\nbegin 644\r\nbeginning 644 x.exe\r\nbegin 8 x.exe\r\n"
                        + " begin 644 indented.exe\r\nBegin 644 upper.exe\r\n", List.of(), false),
                new Case("yEnc", "=ybegin part=1 line=128 size=9 name=evil file.exe\r\n=ypart begin=1 end=9\r\n",
                        List.of("evil file.exe"), false),
                new Case("yEnc without a name", "=ybegin line=128 size=9\r\n", List.of(), false),
                new Case("BinHex", "hi\r\n" + AttachmentEvasionTest.binHex("evil.exe"), List.of("evil.exe"), false),
                new Case("BinHex with runs", AttachmentEvasionTest.binHex("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.scr"),
                        List.of("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.scr"), false),
                new Case("the BinHex marker in prose", "(This file must be converted with BinHex 4.0)\r\nsee above\r\n",
                        List.of(), false),
                new Case("a begin line too long", "begin 644 " + "a".repeat(1500) + ".exe\r\n", List.of(), true),
                new Case("a yEnc line too long", "=ybegin line=128 size=9 " + "x".repeat(1500) + " name=a.exe\r\n",
                        List.of(), true),
                new Case("long lines that begin no file", "b".repeat(3000) + "\r\n" + "=".repeat(3000) + "\r\n", List.of(), false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void findsTheSameNamesHoweverTheTextIsSplit(Case c) {
        byte[] text = c.text().getBytes(StandardCharsets.ISO_8859_1);
        for (int split = 0; split <= text.length; split += Math.max(1, text.length / 200)) {
            EmbeddedFileFinder finder = new EmbeddedFileFinder();
            finder.reset();
            List<String> names = new ArrayList<>();
            boolean overlong = false;
            byte[] first = java.util.Arrays.copyOfRange(text, 0, split);
            byte[] second = java.util.Arrays.copyOfRange(text, split, text.length);
            for (byte[] piece : new byte[][] {first, second}) {
                finder.write(piece, piece.length);
                overlong |= finder.overlong();
                names.addAll(finder.names());
                finder.clear();
            }
            finder.end();
            overlong |= finder.overlong();
            names.addAll(finder.names());
            assertThat(names).as("split at " + split).isEqualTo(c.names());
            assertThat(overlong).as("split at " + split).isEqualTo(c.overlong());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void findsTheSameNamesLineByLine(Case c) {
        EmbeddedFileFinder finder = new EmbeddedFileFinder();
        finder.reset();
        List<String> names = new ArrayList<>();
        boolean overlong = false;
        for (String line : c.text().split("\r?\n", -1)) {
            byte[] bytes = line.getBytes(StandardCharsets.ISO_8859_1);
            int n = Math.min(bytes.length, EmbeddedFileFinder.MAX_LINE);
            finder.line(bytes, n, n == bytes.length); // as MimeLines hands over the first piece of a long line
            overlong |= finder.overlong();
            names.addAll(finder.names());
            finder.clear();
        }
        finder.end();
        assertThat(names).isEqualTo(c.names());
        assertThat(overlong).isEqualTo(c.overlong());
    }
}
