package io.portcullis.content.authentication;

import io.portcullis.smtp.DomainName;

/**
 * The authserv-id that starts an Authentication-Results value (RFC 8601 §2.2):
 * {@code [CFWS] authserv-id}, where CFWS is white space, folding and comments (in parentheses,
 * nested, with quoted-pairs; RFC 5322 §3.2.2), and the authserv-id is a {@code value} of RFC 2045
 * §5.1: a token, or a quoted-string that names the same id once its quoted-pairs are undone. So
 * {@code (trusted) mx.example.test;}, {@code "mx.example.test";}, {@code ( (a) ) MX.Example.Test 1;}
 * all claim mx.example.test.
 *
 * <p>Read once over the unfolded value, with no recursion (comment depth is a counter), so the
 * cost is linear in the field however a sender nests parentheses.
 */
final class AuthservId {
    private static final String TSPECIALS = "()<>@,;:\\\"/[]?=";

    private AuthservId() {
    }

    /**
     * True when the field value claims {@code ours}: its authserv-id is ours (case-insensitively,
     * and as a domain in any spelling {@link DomainName} folds together), or it has none we can
     * read (an unterminated comment or quoted-string, nothing at all). A field no reader can trust
     * is removed with the forged ones rather than left for a lenient reader to take for ours.
     */
    static boolean claims(String value, String ours) {
        String id = read(value);
        if (id == null) {
            return true;
        }
        if (id.equalsIgnoreCase(ours)) {
            return true;
        }
        String canonical = DomainName.canonical(id);
        return canonical != null && canonical.equals(DomainName.canonical(ours));
    }

    /** The authserv-id at the start of an unfolded field value, unquoted and trimmed; null when there is none. */
    static String read(String value) {
        int i = skipCfws(value, 0);
        if (i < 0 || i == value.length()) {
            return null;
        }
        if (value.charAt(i) == '"') {
            StringBuilder id = new StringBuilder();
            for (i++; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c == '"') {
                    String unquoted = id.toString().strip();
                    return unquoted.isEmpty() ? null : unquoted;
                }
                if (c == '\\') {
                    if (++i == value.length()) {
                        return null;
                    }
                    c = value.charAt(i);
                }
                id.append(c);
            }
            return null; // no closing quote
        }
        int start = i;
        while (i < value.length() && isTokenChar(value.charAt(i))) {
            i++;
        }
        return i == start ? null : value.substring(start, i);
    }

    /** The index after white space and comments from {@code i}; -1 for a comment that does not end. */
    private static int skipCfws(String value, int i) {
        int depth = 0;
        for (; i < value.length(); i++) {
            char c = value.charAt(i);
            if (depth > 0) {
                if (c == '\\') {
                    i++; // a quoted-pair: whatever follows is text
                } else if (c == '(') {
                    depth++;
                } else if (c == ')') {
                    depth--;
                }
            } else if (c == '(') {
                depth = 1;
            } else if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
                return i;
            }
        }
        return depth > 0 ? -1 : i;
    }

    /** RFC 2045 token characters (US-ASCII but space, controls and tspecials), and beyond ASCII (an RFC 6532 header may hold a U-label). */
    private static boolean isTokenChar(char c) {
        return c > 127 || (c > 32 && c < 127 && TSPECIALS.indexOf(c) < 0);
    }
}
