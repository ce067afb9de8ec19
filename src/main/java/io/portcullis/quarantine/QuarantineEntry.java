package io.portcullis.quarantine;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What the store knows about one held message, as listed and filtered.
 *
 * @param category   the reason's category: its text before the first colon ({@code header-check},
 *                   {@code dmarc}, {@code milter}, ...); retention and metrics are per category
 * @param recipients each envelope recipient and its state: {@code held}, {@code released} or {@code deleted}
 * @param expires    when the sweeper deletes it
 */
public record QuarantineEntry(String id, String category, String reason, Double score, String sender,
                              Map<String, String> recipients, String subject, Instant arrival, Instant expires,
                              long size, String listener, String flow, String messageId) {
    public static final String HELD = "held";
    public static final String RELEASED = "released";
    public static final String DELETED = "deleted";

    public QuarantineEntry {
        recipients = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(recipients));
    }

    /** Recipients still held. */
    public List<String> held() {
        return recipients.entrySet().stream().filter(e -> e.getValue().equals(HELD)).map(Map.Entry::getKey).toList();
    }

    /** The category of a reason: its text before the first colon, lower case, at most 40 characters. */
    public static String category(String reason) {
        if (reason == null || reason.isBlank()) {
            return "other";
        }
        int colon = reason.indexOf(':');
        String head = (colon < 0 ? reason : reason.substring(0, colon)).trim().toLowerCase(java.util.Locale.ROOT);
        head = head.replaceAll("[^a-z0-9._-]", "-");
        return head.isEmpty() ? "other" : head.substring(0, Math.min(40, head.length()));
    }
}
