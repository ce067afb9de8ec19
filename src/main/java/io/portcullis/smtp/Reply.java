package io.portcullis.smtp;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One SMTP reply: a three-digit code, an optional enhanced status code (RFC 3463) and one or more
 * text lines. Replies are values; the catalogue of the ones the gateway sends is {@link Replies}.
 */
public record Reply(int code, String enhancedCode, List<String> lines) {

    public Reply {
        if (code < 200 || code > 599) {
            throw new IllegalArgumentException("reply code out of range: " + code);
        }
        lines = List.copyOf(lines);
        if (lines.isEmpty()) {
            throw new IllegalArgumentException("a reply needs at least one line");
        }
    }

    public Reply(int code, String enhancedCode, String text) {
        this(code, enhancedCode, List.of(text));
    }

    /** The same reply with its text replaced; the codes stay. */
    public Reply withText(String text) {
        return new Reply(code, enhancedCode, List.of(text));
    }

    /** The same reply with a detail appended to its text, e.g. the queue id. */
    public Reply append(String detail) {
        return withText(lines.getFirst() + " " + detail);
    }

    public boolean isPositive() {
        return code < 400;
    }

    public boolean isTransient() {
        return code >= 400 && code < 500;
    }

    public boolean isPermanent() {
        return code >= 500;
    }

    /** Wire form: every line CRLF-terminated, continuation lines marked with '-' (RFC 5321 §4.2.1). */
    public byte[] toBytes() {
        StringBuilder out = new StringBuilder(64);
        for (int i = 0; i < lines.size(); i++) {
            out.append(code).append(i == lines.size() - 1 ? ' ' : '-');
            if (enhancedCode != null) {
                out.append(enhancedCode).append(' ');
            }
            out.append(lines.get(i)).append("\r\n");
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        String text = new String(toBytes(), StandardCharsets.UTF_8);
        return text.substring(0, text.length() - 2).replace("\r\n", " | ");
    }
}
