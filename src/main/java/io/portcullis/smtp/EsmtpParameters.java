package io.portcullis.smtp;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code esmtp-param} list after a MAIL or RCPT path (RFC 5321 §4.1.2): keywords upper-cased,
 * values as sent (null for a keyword without value). A repeated keyword is a syntax error.
 */
public record EsmtpParameters(Map<String, String> values) {

    public static final EsmtpParameters NONE = new EsmtpParameters(Map.of());

    public EsmtpParameters {
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** Parses a space-separated parameter list; the empty string gives {@link #NONE}. */
    public static EsmtpParameters parse(String text) throws SyntaxException {
        if (text.isEmpty()) {
            return NONE;
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (String parameter : PathParser.splitOnSpace(text)) {
            int equals = parameter.indexOf('=');
            String keyword = equals < 0 ? parameter : parameter.substring(0, equals);
            String value = equals < 0 ? null : parameter.substring(equals + 1);
            if (!isKeyword(keyword)) {
                throw new SyntaxException("bad parameter keyword");
            }
            if (value != null && !isValue(value)) {
                throw new SyntaxException("bad value for parameter " + PathParser.upper(keyword));
            }
            String key = PathParser.upper(keyword);
            if (values.containsKey(key)) {
                throw new SyntaxException("parameter " + key + " given twice");
            }
            values.put(key, value);
        }
        return new EsmtpParameters(values);
    }

    /** The same parameters without {@code keyword}. */
    public EsmtpParameters without(String keyword) {
        Map<String, String> copy = new LinkedHashMap<>(values);
        copy.remove(keyword);
        return new EsmtpParameters(copy);
    }

    public boolean isEmpty() {
        return values.isEmpty();
    }

    public boolean has(String keyword) {
        return values.containsKey(keyword);
    }

    public String get(String keyword) {
        return values.get(keyword);
    }

    /** esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-") */
    private static boolean isKeyword(String keyword) {
        if (keyword.isEmpty() || !isAlphaDigit(keyword.charAt(0))) {
            return false;
        }
        return keyword.chars().allMatch(c -> isAlphaDigit(c) || c == '-');
    }

    /** esmtp-value = 1*(%d33-60 / %d62-126), plus UTF-8 (RFC 6531 §4.2) */
    private static boolean isValue(String value) {
        return !value.isEmpty() && value.chars().allMatch(c -> (c >= 33 && c <= 126 && c != '=') || c >= 128);
    }

    private static boolean isAlphaDigit(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }
}
