package io.portcullis.delivery.tls;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Reads a policy file (RFC 8461 §3.2): {@code key: value} lines ended by CRLF or LF; {@code
 * version: STSv1}, {@code mode} and {@code max_age} required, {@code mx} required unless the mode
 * is {@code none}; unknown keys ignored; for a repeated key other than {@code mx} the first value
 * counts. The text is hostile: it is at most {@value #MAX_LINES} lines and {@value #MAX_MX}
 * patterns, each line at most {@value #MAX_LINE_LENGTH} characters, and max_age at most 10 digits;
 * a larger max_age is cut to {@link StsPolicy#MAX_AGE_LIMIT}.
 */
public final class StsPolicyText {
    static final int MAX_LINES = 1000;
    static final int MAX_LINE_LENGTH = 1000;
    static final int MAX_MX = 100;
    /** RFC 8461 §3.2 sts-policy-mx-value: a domain name, optionally with "*." in front. */
    private static final Pattern MX_PATTERN = Pattern.compile(
            "(\\*\\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final Pattern DIGITS = Pattern.compile("[0-9]{1,10}");

    /** What a policy file said: a policy, or why it is not one. */
    public sealed interface Parsed permits Valid, Invalid {
    }

    public record Valid(StsPolicy policy) implements Parsed {
    }

    public record Invalid(String reason) implements Parsed {
    }

    private StsPolicyText() {
    }

    public static Parsed parse(String text, String id, Instant fetched) {
        String[] lines = text.split("\r?\n", MAX_LINES + 2);
        if (lines.length > MAX_LINES + 1 || (lines.length == MAX_LINES + 1 && !lines[MAX_LINES].isEmpty())) {
            return new Invalid("more than " + MAX_LINES + " lines");
        }
        String version = null;
        String mode = null;
        String maxAge = null;
        List<String> mx = new ArrayList<>();
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isEmpty() && i == lines.length - 1) {
                break; // the optional delimiter after the last field
            }
            if (line.length() > MAX_LINE_LENGTH) {
                return new Invalid("line " + (i + 1) + " is longer than " + MAX_LINE_LENGTH + " characters");
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                return new Invalid("line " + (i + 1) + " is not \"key: value\"");
            }
            String key = line.substring(0, colon);
            String value = line.substring(colon + 1).strip();
            if (!key.chars().allMatch(c -> Character.isLetterOrDigit(c) && c < 0x80 || c == '_' || c == '-' || c == '.')) {
                return new Invalid("line " + (i + 1) + " has a malformed key");
            }
            switch (key) {
                case "version" -> version = version == null ? value : version;
                case "mode" -> mode = mode == null ? value : mode;
                case "max_age" -> maxAge = maxAge == null ? value : maxAge;
                case "mx" -> {
                    if (mx.size() == MAX_MX) {
                        return new Invalid("more than " + MAX_MX + " mx patterns");
                    }
                    String pattern = value.toLowerCase(Locale.ROOT);
                    if (pattern.endsWith(".")) {
                        pattern = pattern.substring(0, pattern.length() - 1);
                    }
                    if (!MX_PATTERN.matcher(pattern).matches()) {
                        return new Invalid("mx \"" + printable(value) + "\" is not a host name or *.domain");
                    }
                    mx.add(pattern);
                }
                default -> {
                    // an extension field: ignored (RFC 8461 §3.2)
                }
            }
        }
        if (!"STSv1".equals(version)) {
            return new Invalid(version == null ? "no version field" : "version is not STSv1");
        }
        StsPolicy.Mode parsedMode;
        switch (mode == null ? "" : mode) {
            case "enforce" -> parsedMode = StsPolicy.Mode.ENFORCE;
            case "testing" -> parsedMode = StsPolicy.Mode.TESTING;
            case "none" -> parsedMode = StsPolicy.Mode.NONE;
            default -> {
                return new Invalid(mode == null ? "no mode field" : "mode \"" + printable(mode) + "\" is not enforce, testing or none");
            }
        }
        if (maxAge == null || !DIGITS.matcher(maxAge).matches()) {
            return new Invalid(maxAge == null ? "no max_age field" : "max_age is not 1 to 10 digits");
        }
        long seconds = Math.min(Long.parseLong(maxAge), StsPolicy.MAX_AGE_LIMIT);
        if (mx.isEmpty() && parsedMode != StsPolicy.Mode.NONE) {
            return new Invalid("no mx field");
        }
        return new Valid(new StsPolicy(id, parsedMode, mx, seconds, fetched));
    }

    /** A value for a log line or report: printable ASCII only, at most 64 characters. */
    static String printable(String value) {
        StringBuilder text = new StringBuilder();
        value.chars().limit(64).forEach(c -> text.append(c >= 0x20 && c < 0x7f ? (char) c : '?'));
        return text.toString();
    }
}
