package io.portcullis.content;

import java.nio.charset.StandardCharsets;

/**
 * One header field as stored: its name and its raw octets (name, colon, value, folding and the
 * final CRLF), so a rewrite copies untouched fields byte for byte.
 */
public record HeaderField(String name, byte[] raw) {
    private static final int FOLD_AT = 76;

    /** A new field; long values are folded at spaces (RFC 5322 §2.2.3). */
    public static HeaderField of(String name, String value) {
        String oneLine = value.replace("\r", "").replaceAll("\n(?=[ \t])", "").replace('\n', ' ');
        StringBuilder text = new StringBuilder(name).append(':');
        int lineLength = text.length();
        boolean wordOnLine = false;
        for (String word : oneLine.strip().split(" +")) {
            if (wordOnLine && lineLength + 1 + word.length() > FOLD_AT) {
                text.append("\r\n\t").append(word);
                lineLength = 1 + word.length();
            } else {
                text.append(' ').append(word);
                lineLength += 1 + word.length();
            }
            wordOnLine = true;
        }
        text.append("\r\n");
        return new HeaderField(name, text.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A field whose value arrives already folded (a milter's): line ends become CRLF, and a line
     * that does not start with white space is joined to the previous one, so no value can smuggle
     * in a header field or end the header section.
     */
    public static HeaderField folded(String name, byte[] value, boolean leadingSpace) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(name.length() + value.length + 8);
        out.writeBytes(name.getBytes(StandardCharsets.US_ASCII));
        out.write(':');
        if (leadingSpace) {
            out.write(' ');
        }
        for (int i = 0; i < value.length; i++) {
            byte b = value[i];
            if (b == '\r') {
                continue;
            }
            if (b == '\n') {
                boolean continues = i + 1 < value.length && (value[i + 1] == ' ' || value[i + 1] == '\t');
                out.writeBytes(continues ? new byte[] {'\r', '\n'} : new byte[] {' '});
                continue;
            }
            out.write(b);
        }
        out.writeBytes(new byte[] {'\r', '\n'});
        return new HeaderField(name, out.toByteArray());
    }

    public boolean is(String otherName) {
        return name.equalsIgnoreCase(otherName);
    }

    /** The value unfolded and trimmed, decoded as UTF-8 (RFC 6532) with replacement of anything else. */
    public String value() {
        String text = new String(raw, StandardCharsets.UTF_8);
        int colon = text.indexOf(':');
        return text.substring(colon + 1).replace("\r\n", "").replace("\n", "").strip();
    }

    /** "Name: value" on one line, what header rules match against. */
    public String unfolded() {
        return name + ": " + value();
    }

}
