package io.portcullis.delivery;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * Which queued messages a bulk command applies to, as {@code portcullis queue hold --from ...}
 * says it: every given condition must hold (none given: every message). Addresses match
 * case-insensitively, exactly or, given as {@code @domain}, by domain; {@code to} matches any
 * open recipient.
 *
 * @param from      the envelope sender ({@code <>} for the null sender)
 * @param to        an open recipient
 * @param flow      the message's flow
 * @param olderThan at least this old
 * @param state     held, sending (an attempt in progress), deferred (attempted before) or new
 */
public record QueueQuery(String from, String to, String flow, Duration olderThan, String state) {
    public static final List<String> STATES = List.of("held", "sending", "deferred", "new");

    public QueueQuery {
        if (state != null && !STATES.contains(state)) {
            throw new IllegalArgumentException("unknown state \"" + state + "\": one of " + STATES);
        }
    }

    public Predicate<QueueService.Entry> predicate() {
        return entry -> (from == null || address(from, entry.sender()))
                && (to == null || entry.recipients().stream().anyMatch(r -> address(to, r)))
                && (flow == null || flow.equals(entry.flow()))
                && (olderThan == null || entry.ageSeconds() >= olderThan.toSeconds())
                && (state == null || state.equals(stateOf(entry)));
    }

    static String stateOf(QueueService.Entry entry) {
        return entry.held() ? "held" : entry.inProgress() ? "sending" : entry.attempts() > 0 ? "deferred" : "new";
    }

    private static boolean address(String wanted, String address) {
        String value = address == null ? "" : address.toLowerCase(Locale.ROOT);
        String pattern = wanted.toLowerCase(Locale.ROOT);
        if (pattern.equals("<>")) {
            return value.isEmpty();
        }
        return pattern.startsWith("@") ? value.endsWith(pattern) : value.equals(pattern);
    }
}
