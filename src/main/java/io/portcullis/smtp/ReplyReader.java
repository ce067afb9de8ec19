package io.portcullis.smtp;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The client's side of replies: reads one complete, possibly multi-line, reply (RFC 5321 §4.2)
 * and splits off the enhanced status code when the server sent one (RFC 2034).
 */
public final class ReplyReader {
    private static final Pattern LINE = Pattern.compile("([2-5]\\d\\d)([ -])(.*)", Pattern.DOTALL);
    private static final Pattern ENHANCED = Pattern.compile("([245]\\.\\d{1,3}\\.\\d{1,3}) (.*)", Pattern.DOTALL);
    private static final int MAX_LINE = 4096;
    private static final int MAX_LINES = 200;

    private final SmtpInput input;

    public ReplyReader(SmtpInput input) {
        this.input = input;
    }

    /** Reads one reply; a malformed one is an {@link IOException}: the connection is unusable. */
    public Reply read() throws IOException {
        List<String> lines = new ArrayList<>();
        int code = -1;
        String enhanced = null;
        while (true) {
            SmtpInput.Line line = input.readLine(MAX_LINE);
            if (line.status() != SmtpInput.Status.LINE) {
                throw new IOException("malformed reply line from server: " + line.status());
            }
            Matcher m = LINE.matcher(line.text());
            if (!m.matches()) {
                throw new IOException("malformed reply from server: " + abbreviate(line.text()));
            }
            int lineCode = Integer.parseInt(m.group(1));
            if (code >= 0 && lineCode != code) {
                throw new IOException("reply code changed within a multi-line reply");
            }
            code = lineCode;
            String text = m.group(3);
            Matcher e = ENHANCED.matcher(text);
            if (e.matches() && e.group(1).charAt(0) == m.group(1).charAt(0)) {
                enhanced = enhanced == null ? e.group(1) : enhanced;
                text = e.group(2);
            }
            lines.add(text);
            if (m.group(2).equals(" ")) {
                return new Reply(code, enhanced, lines);
            }
            if (lines.size() > MAX_LINES) {
                throw new IOException("reply longer than " + MAX_LINES + " lines");
            }
        }
    }

    private static String abbreviate(String text) {
        return text.length() > 80 ? text.substring(0, 80) + "..." : text;
    }
}
