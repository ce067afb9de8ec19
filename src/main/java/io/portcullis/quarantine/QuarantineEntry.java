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
    private static final java.util.regex.Pattern RULE_CATEGORY =
            java.util.regex.Pattern.compile("(?:header|body)-check: ([A-Za-z0-9._-]{1,40}):");

    public QuarantineEntry {
        recipients = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(recipients));
    }

    /**
     * Whether a recipient may release this entry with a digest's link: not when any step held it
     * as a virus (every reason of several is looked at). A virus is released by an administrator
     * only, as it is never skipped for an allowed sender: a digest is the first place a hostile
     * sender's subject ("release to read your invoice") meets a button that delivers the attachment.
     */
    public boolean selfReleasable() {
        return reason == null || java.util.Arrays.stream(reason.split(" \\| ")).noneMatch(r -> category(r).equals("virus"));
    }

    /** Recipients still held. */
    public List<String> held() {
        return recipients.entrySet().stream().filter(e -> e.getValue().equals(HELD)).map(Map.Entry::getKey).toList();
    }

    /**
     * The category of a reason: its text before the first colon, lower case, at most 40
     * characters. A rules check's reason ({@code header-check: TEXT}, {@code body-check: TEXT}) takes
     * the category its rule's text starts with, when that is one word and a colon: a rule with
     * {@code text: "spam: flagged by SpamAssassin"} holds under {@code spam}.
     */
    public static String category(String reason) {
        if (reason == null || reason.isBlank()) {
            return "other";
        }
        java.util.regex.Matcher rules = RULE_CATEGORY.matcher(reason);
        if (rules.lookingAt()) {
            return rules.group(1).toLowerCase(java.util.Locale.ROOT);
        }
        int colon = reason.indexOf(':');
        String head = (colon < 0 ? reason : reason.substring(0, colon)).trim().toLowerCase(java.util.Locale.ROOT);
        head = head.replaceAll("[^a-z0-9._-]", "-");
        return head.isEmpty() ? "other" : head.substring(0, Math.min(40, head.length()));
    }

    /** The entry a journal (HELD first) makes of a held message's envelope; {@code retention} per category. */
    static QuarantineEntry of(String id, io.portcullis.spool.Envelope envelope, List<QuarantineRecord> journal,
                              java.util.function.Function<String, java.time.Duration> retention) {
        QuarantineRecord held = journal.getFirst();
        Map<String, String> states = new java.util.LinkedHashMap<>();
        envelope.recipients().forEach(r -> states.put(r.address(), HELD));
        for (QuarantineRecord line : journal.subList(1, journal.size())) {
            String state = line.type() == QuarantineRecord.Type.RELEASED ? RELEASED : DELETED;
            line.recipients().forEach(r -> states.replace(r, state));
        }
        String category = category(held.reason());
        return new QuarantineEntry(id, category, held.reason(), held.score(), envelope.sender(), states, held.subject(),
                envelope.arrival(), envelope.arrival().plus(retention.apply(category)), envelope.size(),
                envelope.listener(), envelope.flow(), envelope.messageId());
    }

    /** This entry with {@code recipients} in {@code state}. */
    QuarantineEntry withStates(List<String> recipients, String state) {
        Map<String, String> states = new java.util.LinkedHashMap<>(recipients());
        recipients.forEach(r -> states.replace(r, state));
        return new QuarantineEntry(id(), category(), reason(), score(), sender(), states, subject(), arrival(), expires(),
                size(), listener(), flow(), messageId());
    }
}
