package io.portcullis.quarantine;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which entries a listing or a bulk action is about; every criterion given must hold, an absent
 * one (null) matches everything. Text criteria match case-insensitively as substrings;
 * {@code reason} matches the category exactly or the reason's text as a substring.
 *
 * @param since entries that arrived at or after (an instant, or a date meaning its start in UTC)
 * @param until entries that arrived before (a date means the end of that day in UTC)
 */
public record QuarantineFilter(String reason, String sender, String recipient, String subject, Instant since,
                               Instant until, Double minScore, Double maxScore) {
    public static final QuarantineFilter ALL = new QuarantineFilter(null, null, null, null, null, null, null, null);
    /** The parameter names {@link #parse} takes (CLI options and admin API query parameters alike). */
    public static final Set<String> PARAMETERS = Set.of("reason", "sender", "recipient", "subject", "since", "until",
            "min-score", "max-score");

    /** From named parameters (absent or blank: no criterion); an unreadable value is an IllegalArgumentException naming it. */
    public static QuarantineFilter parse(Map<String, String> parameters) {
        return new QuarantineFilter(text(parameters, "reason"), text(parameters, "sender"), text(parameters, "recipient"),
                text(parameters, "subject"), instant(parameters, "since", false), instant(parameters, "until", true),
                number(parameters, "min-score"), number(parameters, "max-score"));
    }

    /** True when no criterion is given: a bulk action over this would take everything. */
    public boolean isEmpty() {
        return equals(ALL);
    }

    public boolean matches(QuarantineEntry entry) {
        return (reason == null || entry.category().equalsIgnoreCase(reason) || contains(entry.reason(), reason))
                && (sender == null || contains(entry.sender(), sender))
                && (recipient == null || entry.recipients().keySet().stream().anyMatch(r -> contains(r, recipient)))
                && (subject == null || contains(entry.subject(), subject))
                && (since == null || !entry.arrival().isBefore(since))
                && (until == null || entry.arrival().isBefore(until))
                && (minScore == null || (entry.score() != null && entry.score() >= minScore))
                && (maxScore == null || (entry.score() != null && entry.score() <= maxScore));
    }

    private static boolean contains(String value, String part) {
        return value != null && value.toLowerCase(Locale.ROOT).contains(part.toLowerCase(Locale.ROOT));
    }

    private static String text(Map<String, String> parameters, String name) {
        String value = parameters.get(name);
        return value == null || value.isBlank() ? null : value.strip();
    }

    private static Instant instant(Map<String, String> parameters, String name, boolean endOfDay) {
        String value = text(parameters, name);
        if (value == null) {
            return null;
        }
        try {
            if (value.length() == 10) {
                LocalDate day = LocalDate.parse(value);
                return (endOfDay ? day.plusDays(1) : day).atStartOfDay(ZoneOffset.UTC).toInstant();
            }
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(name + ": expected a date (2026-11-30) or an instant"
                    + " (2026-11-30T10:00:00Z), got \"" + value + "\"");
        }
    }

    private static Double number(Map<String, String> parameters, String name) {
        String value = text(parameters, name);
        if (value == null) {
            return null;
        }
        try {
            double number = Double.parseDouble(value);
            if (!Double.isFinite(number)) {
                throw new NumberFormatException();
            }
            return number;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": expected a number, got \"" + value + "\"");
        }
    }
}
