package io.portcullis.content;

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
}
