package io.portcullis.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SmtpInputTest {

    /** Returns at most {@code piece} octets per read, like a socket under load. */
    private static InputStream trickle(String text, int piece) {
        ByteArrayInputStream all = new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
        return new InputStream() {
            @Override
            public int read() {
                return all.read();
            }

            @Override
            public int read(byte[] b, int off, int len) {
                return all.read(b, off, Math.min(len, piece));
            }
        };
    }

    private static SmtpInput input(String text, int piece) {
        return new SmtpInput(trickle(text, piece), millis -> { });
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 7, 4096})
    void readsCrlfLinesWhateverTheReadSize(int piece) throws IOException {
        SmtpInput in = input("EHLO a\r\nMAIL FROM:<b@c>\r\n\r\nQUIT\r\n", piece);
        assertThat(in.readLine(100).text()).isEqualTo("EHLO a");
        assertThat(in.readLine(100).text()).isEqualTo("MAIL FROM:<b@c>");
        assertThat(in.readLine(100).text()).isEmpty();
        assertThat(in.readLine(100).text()).isEqualTo("QUIT");
        assertThatThrownBy(() -> in.readLine(100)).isInstanceOf(EOFException.class);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 5, 4096})
    void reportsBareLineEndsAndNul(int piece) throws IOException {
        assertThat(input("NOOP\nQUIT\r\n", piece).readLine(100).status()).isEqualTo(SmtpInput.Status.BARE_LINE_END);
        assertThat(input("NOOP\rQUIT\r\n", piece).readLine(100).status()).isEqualTo(SmtpInput.Status.BARE_LINE_END);
        assertThat(input("NO\0OP\r\n", piece).readLine(100).status()).isEqualTo(SmtpInput.Status.NUL);
        assertThat(input("\r\r\n", piece).readLine(100).status()).isEqualTo(SmtpInput.Status.BARE_LINE_END);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 13, 4096})
    void skipsAnOverlongLineAndCarriesOn(int piece) throws IOException {
        SmtpInput in = input("x".repeat(3000) + "\r\nNOOP\r\n", piece);
        assertThat(in.readLine(512).status()).isEqualTo(SmtpInput.Status.TOO_LONG);
        assertThat(in.readLine(512).text()).isEqualTo("NOOP");
    }

    @Test
    void lineOfExactlyTheLimitIsAccepted() throws IOException {
        SmtpInput in = input("y".repeat(512) + "\r\n" + "y".repeat(513) + "\r\n", 4096);
        assertThat(in.readLine(512).text()).hasSize(512);
        assertThat(in.readLine(512).status()).isEqualTo(SmtpInput.Status.TOO_LONG);
    }

    @Test
    void decodesUtf8StrictlyAndRefusesMalformedSequences() throws IOException {
        assertThat(input("MAIL FROM:<ü@x>\r\n", 1).readLine(100).text()).isEqualTo("MAIL FROM:<ü@x>");
        byte[] bad = {'N', 'O', (byte) 0xC3, 'P', '\r', '\n'};
        SmtpInput in = new SmtpInput(new ByteArrayInputStream(bad), millis -> { });
        assertThat(in.readLine(100).status()).isEqualTo(SmtpInput.Status.INVALID_UTF8);
    }

    @Test
    void keepsPipelinedCommandsAfterDataAndChunks() throws IOException {
        SmtpInput in = input("DATA\r\nhello\r\n.\r\nBDAT 3\r\nabcQUIT\r\n", 3);
        assertThat(in.readLine(100).text()).isEqualTo("DATA");
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        in.readData(new DotDataDecoder(message));
        assertThat(message.toString(StandardCharsets.US_ASCII)).isEqualTo("hello\r\n");
        assertThat(in.readLine(100).text()).isEqualTo("BDAT 3");
        ByteArrayOutputStream chunk = new ByteArrayOutputStream();
        in.readChunk(3, chunk);
        assertThat(chunk.toString(StandardCharsets.US_ASCII)).isEqualTo("abc");
        assertThat(in.readLine(100).text()).isEqualTo("QUIT");
    }

    @Test
    void discardsWhatWasBufferedWhenTheStreamIsReplaced() throws IOException {
        SmtpInput in = input("STARTTLS\r\nMAIL FROM:<x@y>\r\n", 4096);
        assertThat(in.readLine(100).text()).isEqualTo("STARTTLS");
        assertThat(in.replaceStream(trickle("EHLO after\r\n", 4096))).isEqualTo("MAIL FROM:<x@y>\r\n".length());
        assertThat(in.readLine(100).text()).isEqualTo("EHLO after");
    }
}
