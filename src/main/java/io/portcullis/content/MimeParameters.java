package io.portcullis.content;

import jakarta.mail.internet.HeaderTokenizer;
import jakarta.mail.internet.MimeUtility;
import jakarta.mail.internet.ParseException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Finds a parameter given twice in one Content-Type or Content-Disposition value (RFC 2045 §5.1,
 * RFC 2183 §2), which readers settle differently: jakarta.mail keeps the last, Python's email
 * package and many clients the first, and RFC 2231-aware readers prefer {@code filename*} over
 * {@code filename}. Names are compared without regard to case (RFC 2045 §5.1), and the RFC 2231
 * forms of one parameter ({@code name}, {@code name*}, {@code name*0}, {@code name*0*}, ...) are
 * one family: two different values for one section, a gap in the sections, or forms of the family
 * whose decoded values differ make the field ambiguous. The same value given twice is harmless.
 */
final class MimeParameters {
    /** The first value seen for one form of a family: keyed -2 plain, -1 extended, 0... a section. */
    private record Value(String text, boolean extended) {
    }

    private MimeParameters() {
    }

    /** Why {@code fieldValue} (a whole Content-Type or Content-Disposition value) is ambiguous, or null. */
    static String ambiguity(String fieldValue) {
        if (fieldValue == null || fieldValue.indexOf(';') < 0) {
            return null; // no parameters: the common case costs one scan of the value
        }
        Map<String, TreeMap<Integer, Value>> families = new HashMap<>();
        HeaderTokenizer tokens = new HeaderTokenizer(fieldValue, HeaderTokenizer.MIME);
        try {
            HeaderTokenizer.Token token = tokens.next();
            while (token.getType() != HeaderTokenizer.Token.EOF) {
                if (token.getType() != ';') {
                    token = tokens.next(); // the type or disposition, or what a parser skips
                    continue;
                }
                HeaderTokenizer.Token name = tokens.next();
                if (name.getType() != HeaderTokenizer.Token.ATOM) {
                    token = name;
                    continue;
                }
                HeaderTokenizer.Token equals = tokens.next();
                if (equals.getType() != '=') {
                    token = equals;
                    continue;
                }
                HeaderTokenizer.Token value = tokens.next();
                if (value.getType() != HeaderTokenizer.Token.ATOM && value.getType() != HeaderTokenizer.Token.QUOTEDSTRING) {
                    token = value;
                    continue;
                }
                String why = add(families, name.getValue().toLowerCase(Locale.ROOT), value.getValue());
                if (why != null) {
                    return why;
                }
                token = tokens.next();
            }
        } catch (ParseException e) {
            return null; // the field itself cannot be parsed: the caller's parser says so
        }
        for (Map.Entry<String, TreeMap<Integer, Value>> family : families.entrySet()) {
            String why = forms(family.getKey(), family.getValue());
            if (why != null) {
                return why;
            }
        }
        return null;
    }

    private static String add(Map<String, TreeMap<Integer, Value>> families, String name, String value) {
        String family = name;
        int section = -1;
        boolean extended = false;
        int star = name.indexOf('*');
        if (star > 0) {
            String rest = name.substring(star + 1); // "", "0", "0*"
            String digits = rest.endsWith("*") ? rest.substring(0, rest.length() - 1) : rest;
            if (digits.isEmpty()) {
                family = name.substring(0, star);
                extended = true;
            } else if (digits.length() <= 4 && digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
                family = name.substring(0, star);
                section = Integer.parseInt(digits);
                extended = rest.endsWith("*");
            } // else not an RFC 2231 name: a parameter of its own
        }
        int key = section >= 0 ? section : extended ? -1 : -2;
        Value seen = families.computeIfAbsent(family, f -> new TreeMap<>()).putIfAbsent(key, new Value(value, extended));
        if (seen != null && (!seen.text().equals(value) || seen.extended() != extended)) {
            return "the " + family + " parameter given twice";
        }
        return null;
    }

    /** Compares the forms of one family once all are read: plain, extended and in sections. */
    private static String forms(String family, TreeMap<Integer, Value> values) {
        if (values.size() == 1 && values.firstKey() < 0) {
            return null;
        }
        String plain = values.containsKey(-2) ? decode2047(values.get(-2).text()) : null;
        String extended = values.containsKey(-1) ? decode2231(values.get(-1).text()) : null;
        String sectioned = null;
        if (values.lastKey() >= 0) {
            int expected = 0;
            for (int section : values.tailMap(0).keySet()) {
                if (section != expected++) {
                    return "the sections of the " + family + " parameter have a gap";
                }
            }
            sectioned = joinSections(values.tailMap(0));
        }
        String first = plain != null ? plain : extended != null ? extended : sectioned;
        for (String form : new String[] {plain, extended, sectioned}) {
            if (form != null && !Objects.equals(form, first)) {
                return "the forms of the " + family + " parameter differ";
            }
        }
        return null;
    }

    private static String decode2047(String value) {
        if (!value.contains("=?")) {
            return value;
        }
        try {
            return MimeUtility.decodeText(value);
        } catch (java.io.UnsupportedEncodingException e) {
            return value;
        }
    }

    /** {@code charset'language'percent-encoded} (RFC 2231 §4). */
    private static String decode2231(String value) {
        int first = value.indexOf('\'');
        int second = first < 0 ? -1 : value.indexOf('\'', first + 1);
        if (second < 0) {
            return value; // not in the extended form: readers take it as written
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        percentDecode(value.substring(second + 1), bytes);
        return bytes.toString(charset(value.substring(0, first)));
    }

    private static String joinSections(Map<Integer, Value> sections) {
        Value zero = sections.get(0);
        String charset = "";
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (Map.Entry<Integer, Value> entry : sections.entrySet()) {
            String text = entry.getValue().text();
            if (!entry.getValue().extended()) {
                bytes.writeBytes(text.getBytes(StandardCharsets.UTF_8));
                continue;
            }
            if (entry.getKey() == 0 && zero.extended()) {
                int first = text.indexOf('\'');
                int second = first < 0 ? -1 : text.indexOf('\'', first + 1);
                if (second >= 0) {
                    charset = text.substring(0, first);
                    text = text.substring(second + 1);
                }
            }
            percentDecode(text, bytes);
        }
        return bytes.toString(charset(charset));
    }

    private static void percentDecode(String text, ByteArrayOutputStream out) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '%' && i + 2 < text.length() && Character.digit(text.charAt(i + 1), 16) >= 0
                    && Character.digit(text.charAt(i + 2), 16) >= 0) {
                out.write(Character.digit(text.charAt(i + 1), 16) << 4 | Character.digit(text.charAt(i + 2), 16));
                i += 2;
            } else {
                out.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    private static Charset charset(String name) {
        if (name.isEmpty()) {
            return StandardCharsets.UTF_8;
        }
        try {
            return Charset.forName(name);
        } catch (IllegalArgumentException e) {
            return StandardCharsets.ISO_8859_1; // an unknown charset: every octet still becomes a character
        }
    }
}
