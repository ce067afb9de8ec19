package io.portcullis.content;

import jakarta.mail.internet.ContentDisposition;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.MimeUtility;
import jakarta.mail.internet.ParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The header fields of one MIME entity that say what its body is (RFC 2045 §5, §6; RFC 2183):
 * Content-Type, Content-Transfer-Encoding and Content-Disposition, each kept once. A second field
 * of the same name with another value makes the entity ambiguous (readers differ on which one
 * counts), which {@link #ambiguity()} reports.
 */
final class MimeFields {
    private String contentType;
    private String encoding;
    private String disposition;
    private String ambiguity;

    /** True for the fields kept here; the scanner reads past the others without keeping them. */
    static boolean isKept(String name) {
        return name.equalsIgnoreCase("Content-Type") || name.equalsIgnoreCase("Content-Transfer-Encoding")
                || name.equalsIgnoreCase("Content-Disposition");
    }

    void add(String name, String value) {
        String v = value.strip();
        switch (name.toLowerCase(Locale.ROOT)) {
            case "content-type" -> contentType = keep(contentType, v, name);
            case "content-transfer-encoding" -> encoding = keep(encoding, v, name);
            case "content-disposition" -> disposition = keep(disposition, v, name);
            default -> {
                // not a field that says what the body is
            }
        }
    }

    private String keep(String kept, String value, String name) {
        if (kept != null && !kept.equalsIgnoreCase(value) && ambiguity == null) {
            ambiguity = "two different " + name + " fields";
        }
        return kept == null ? value : kept;
    }

    String contentType() {
        return contentType;
    }

    String encoding() {
        return encoding;
    }

    String disposition() {
        return disposition;
    }

    /** Why the entity could be read in two ways, or null. */
    String ambiguity() {
        return ambiguity;
    }

    /**
     * The end of a field name (RFC 5322 §2.2: printable ASCII but colon) that a colon follows,
     * perhaps after white space (the obsolete form of RFC 5322 §4.5.3, read so at the top level
     * too, by {@link ContentMessage}), or -1 for a line that is no header field.
     */
    static int fieldNameEnd(byte[] bytes, int length) {
        int nameEnd = -1;
        for (int i = 0; i < length; i++) {
            byte b = bytes[i];
            if (b == ':') {
                int end = nameEnd < 0 ? i : nameEnd;
                return end == 0 ? -1 : end;
            }
            if (b == ' ' || b == '\t') {
                if (i == 0) {
                    return -1;
                }
                if (nameEnd < 0) {
                    nameEnd = i;
                }
            } else if (b < 33 || b > 126 || nameEnd >= 0) {
                return -1;
            }
        }
        return -1;
    }

    /** What the entity is: its type (text/plain by default, message/rfc822 in a digest) and the file names readers may show. */
    MimeScanner.Entity describe(int depth, boolean inDigest) throws MimeScanner.Stop {
        MimeFields fields = this;
        String declared = fields.contentType();
        String ambiguity = MimeParameters.ambiguity(declared);
        if (ambiguity == null) {
            ambiguity = MimeParameters.ambiguity(fields.disposition());
        }
        if (ambiguity != null) {
            throw new MimeScanner.Stop(new MimeFinding.Ambiguous(ambiguity));
        }
        ContentType type;
        if (declared == null) {
            type = inDigest ? new ContentType("message", "rfc822", null) : new ContentType("text", "plain", null);
        } else {
            try {
                type = new ContentType(declared);
            } catch (ParseException e) {
                String lower = declared.strip().toLowerCase(Locale.ROOT);
                if (lower.startsWith("multipart/") || lower.startsWith("message/") || lower.contains("name")) {
                    throw new MimeScanner.Stop(new MimeFinding.Malformed("a Content-Type that cannot be parsed"));
                }
                type = new ContentType("application", "octet-stream", null); // unparseable: opaque data
            }
        }
        List<String> names = new ArrayList<>(2);
        if (fields.disposition() != null) {
            try {
                ContentDisposition disposition = new ContentDisposition(fields.disposition());
                addName(names, disposition.getParameter("filename"));
                addName(names, disposition.getParameter("name"));
            } catch (ParseException e) {
                if (fields.disposition().toLowerCase(Locale.ROOT).contains("name")) {
                    throw new MimeScanner.Stop(new MimeFinding.Malformed("a file name that cannot be parsed"));
                }
            }
        }
        addName(names, type.getParameter("name"));
        addName(names, type.getParameter("filename"));
        return new MimeScanner.Entity(depth, type.getBaseType().toLowerCase(Locale.ROOT), type, names);
    }

    private static void addName(List<String> names, String name) {
        if (name == null) {
            return;
        }
        if (name.contains("=?")) {
            try {
                name = MimeUtility.decodeText(name); // RFC 2047 words, which many mailers write into file names
            } catch (java.io.UnsupportedEncodingException e) {
                // an unknown charset: match the name as written
            }
        }
        names.add(name);
    }
}
