package io.portcullis.quarantine;

import io.portcullis.spool.StoredMessage;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the store notes about a held message from its header section, read once at hold time: the
 * Subject and the spam score a spam check wrote (X-Spam-Score, or the score= of X-Spam-Status).
 * At most {@value #HEADER_LIMIT} octets are read; field values are made printable and cut short.
 */
record HeldFacts(String subject, Double score) {
    static final int HEADER_LIMIT = 64 * 1024;
    private static final Pattern STATUS_SCORE = Pattern.compile("(?i)\\bscore=(-?\\d{1,6}(?:\\.\\d{1,3})?)");

    static HeldFacts read(StoredMessage message) throws IOException {
        List<String[]> fields;
        try (InputStream in = message.open()) {
            fields = fields(in.readNBytes(HEADER_LIMIT));
        }
        String subject = null;
        Double score = null;
        Double statusScore = null;
        for (String[] field : fields) {
            String name = field[0].toLowerCase(Locale.ROOT);
            if (name.equals("subject") && subject == null) {
                subject = printable(field[1], 200);
            } else if (name.equals("x-spam-score") && score == null) {
                score = number(field[1].strip());
            } else if (name.equals("x-spam-status") && statusScore == null) {
                Matcher m = STATUS_SCORE.matcher(field[1]);
                statusScore = m.find() ? number(m.group(1)) : null;
            }
        }
        return new HeldFacts(subject, score != null ? score : statusScore);
    }

    /** The header section's fields as name and unfolded value, up to the blank line or the end of {@code octets}. */
    static List<String[]> fields(byte[] octets) {
        String text = new String(octets, java.nio.charset.StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        String header = end < 0 ? text : text.substring(0, end);
        List<String[]> fields = new ArrayList<>();
        for (String line : header.split("\r\n")) {
            if ((line.startsWith(" ") || line.startsWith("\t")) && !fields.isEmpty()) {
                String[] last = fields.getLast();
                last[1] = last[1] + " " + line.strip();
            } else {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    fields.add(new String[] {line.substring(0, colon).strip(), line.substring(colon + 1).strip()});
                }
            }
        }
        return fields;
    }

    /**
     * Only printable characters, at most {@code max} (octets above 127 read as UTF-8 where they
     * are): controls become spaces, and what would reorder or break the text where it is shown
     * becomes U+FFFD, visibly: the bidirectional controls (an attachment named
     * {@code invoice<U+202E>fdp.exe} reads "invoiceexe.pdf") and the line and paragraph separators.
     */
    static String printable(String latin1, int max) {
        String text = new String(latin1.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1),
                java.nio.charset.StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(Math.min(text.length(), max));
        text.codePoints().limit(max).forEach(c -> out.appendCodePoint(Character.isISOControl(c) ? ' '
                : reorders(c) ? '\uFFFD' : c));
        return out.toString();
    }

    private static boolean reorders(int c) {
        return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0x200E || c == 0x200F || c == 0x061C
                || c == 0x2028 || c == 0x2029;
    }

    private static Double number(String text) {
        try {
            double value = Double.parseDouble(text);
            return Double.isFinite(value) ? value : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
