package io.portcullis.config;

import java.time.Duration;
import java.util.Map;

/**
 * The quarantine store ({@code quarantine:}): how long a held message is kept, per reason (the
 * reason's category: the text of the holding check's reason before its first colon, such as
 * {@code header-check}, {@code body-check}, {@code dmarc}, {@code milter}), and how often the
 * sweeper removes expired entries.
 *
 * @param defaultRetention for a reason not listed ({@code retention.default}, 30 days)
 * @param retention        per reason category
 * @param sweepInterval    how often expired entries are deleted (1 hour)
 * @param linkValidity     how long a signed self-service release link works (3 days)
 * @param digestBaseUrl    where recipients reach the admin server's release page
 *                         ({@code https://quarantine.example.test}); null: no digests are sent
 * @param digestInterval   how often each recipient with held mail gets a digest (1 day)
 * @param digestDomains    only recipients in these domains get digests; empty: the gateway's own {@code domains:}
 * @param digestAt         the time of day digests go out ({@code digest.at}, 08:00), in {@code digestZone}
 *                         ({@code digest.zone}, the system's); then every {@code digestInterval}
 * @param allowSenders     the per-recipient sender allow lists ({@code allow-senders:})
 */
public record QuarantineConfig(Duration defaultRetention, Map<String, Duration> retention, Duration sweepInterval,
                               Duration linkValidity, String digestBaseUrl, Duration digestInterval,
                               java.util.List<String> digestDomains, java.time.LocalTime digestAt,
                               java.time.ZoneId digestZone, AllowSenders allowSenders) {

    /**
     * Release-and-allow-sender's lists: which categories an allowed sender's mail is not held for
     * ({@code categories}, [spam]; virus never), the bounds, and whether the sender must have
     * passed SPF, DKIM or DMARC for its domain in our own Authentication-Results
     * ({@code require-authentication}, true: an allowed sender's address alone is easy to forge).
     */
    public record AllowSenders(java.util.List<String> categories, int maxPerRecipient, int maxEntries,
                               boolean requireAuthentication) {
        public static final AllowSenders DEFAULT = new AllowSenders(java.util.List.of("spam"), 1000, 100_000, true);

        public AllowSenders {
            categories = java.util.List.copyOf(categories);
        }
    }
    public static final Duration DEFAULT_RETENTION = Duration.ofDays(30);
    public static final Duration DEFAULT_SWEEP_INTERVAL = Duration.ofHours(1);
    public static final Duration DEFAULT_LINK_VALIDITY = Duration.ofDays(3);
    public static final QuarantineConfig DEFAULT = new QuarantineConfig(DEFAULT_RETENTION, Map.of(), DEFAULT_SWEEP_INTERVAL,
            DEFAULT_LINK_VALIDITY, null, Duration.ofDays(1), java.util.List.of(), java.time.LocalTime.of(8, 0),
            java.time.ZoneId.systemDefault(), AllowSenders.DEFAULT);

    public QuarantineConfig {
        retention = Map.copyOf(retention);
        digestDomains = java.util.List.copyOf(digestDomains);
    }

    /** How long an entry held for {@code category} is kept. */
    public Duration retentionOf(String category) {
        return retention.getOrDefault(category, defaultRetention);
    }

    /** Reads {@code quarantine:}; errors name the file, line and key. */
    static QuarantineConfig read(YamlMap top) {
        YamlMap quarantine = top.map("quarantine");
        YamlMap retentionMap = quarantine.map("retention");
        Duration fallback = DEFAULT_RETENTION;
        Map<String, Duration> retention = new java.util.LinkedHashMap<>();
        for (String key : retentionMap.keys()) {
            Duration value = retentionMap.duration(key, DEFAULT_RETENTION);
            if (value != null && value.toMinutes() < 1) {
                retentionMap.errors().add(retentionMap.node(key), retentionMap.keyPath(key), "must be at least 1m");
            }
            if (key.equals("default")) {
                fallback = value;
            } else {
                retention.put(key, value);
            }
        }
        retentionMap.finish();
        Duration sweep = quarantine.duration("sweep-interval", DEFAULT_SWEEP_INTERVAL);
        if (sweep != null && sweep.toSeconds() < 1) {
            quarantine.errors().add(quarantine.node("sweep-interval"), quarantine.keyPath("sweep-interval"),
                    "must be at least 1s");
        }
        Duration links = quarantine.duration("link-validity", DEFAULT_LINK_VALIDITY);
        if (links != null && links.toMinutes() < 1) {
            quarantine.errors().add(quarantine.node("link-validity"), quarantine.keyPath("link-validity"), "must be at least 1m");
        }
        YamlMap digest = quarantine.map("digest");
        String baseUrl = digest.string("base-url", null);
        if (baseUrl != null && !baseUrl.matches("https?://[A-Za-z0-9.\\[\\]:-]+(/[^\\s?#]*)?")) {
            digest.errors().add(digest.node("base-url"), digest.keyPath("base-url"),
                    "expected an http(s) URL without query, such as https://quarantine.example.test");
        }
        Duration every = digest.duration("interval", Duration.ofDays(1));
        if (every != null && every.toMinutes() < 1) {
            digest.errors().add(digest.node("interval"), digest.keyPath("interval"), "must be at least 1m");
        }
        if (every != null && every.compareTo(Duration.ofDays(1)) < 0 && Duration.ofDays(1).toMinutes() % every.toMinutes() != 0) {
            digest.errors().add(digest.node("interval"), digest.keyPath("interval"),
                    "below 1d it must divide a day (12h, 6h, 1h, 30m, ...), so the times repeat each day");
        } else if (every != null && every.compareTo(Duration.ofDays(1)) > 0 && every.toMinutes() % Duration.ofDays(1).toMinutes() != 0) {
            digest.errors().add(digest.node("interval"), digest.keyPath("interval"), "above 1d it must be whole days");
        }
        java.util.List<String> domains = YamlMap.scalars(digest.errors(), digest.keyPath("domains"), digest.list("domains"))
                .stream().map(d -> d.toLowerCase(java.util.Locale.ROOT)).toList();
        String atText = digest.string("at", "08:00");
        java.time.LocalTime at = java.time.LocalTime.of(8, 0);
        try {
            at = java.time.LocalTime.parse(atText == null ? "08:00" : atText);
        } catch (java.time.format.DateTimeParseException e) {
            digest.errors().add(digest.node("at"), digest.keyPath("at"), "expected a time of day such as \"08:00\", got \""
                    + atText + "\"");
        }
        String zoneText = digest.string("zone", null);
        java.time.ZoneId zone = java.time.ZoneId.systemDefault();
        if (zoneText != null) {
            try {
                zone = java.time.ZoneId.of(zoneText);
            } catch (java.time.DateTimeException e) {
                digest.errors().add(digest.node("zone"), digest.keyPath("zone"),
                        "expected a time zone such as Europe/Berlin or UTC, got \"" + zoneText + "\"");
            }
        }
        digest.finish();
        AllowSenders allow = allowSenders(quarantine.map("allow-senders"));
        quarantine.finish();
        return new QuarantineConfig(fallback, retention, sweep, links, baseUrl == null ? null : baseUrl.replaceAll("/+$", ""),
                every, domains, at, zone, allow);
    }

    private static AllowSenders allowSenders(YamlMap map) {
        java.util.List<String> categories = YamlMap.scalars(map.errors(), map.keyPath("categories"), map.list("categories"))
                .stream().map(c -> c.toLowerCase(java.util.Locale.ROOT)).toList();
        if (!map.has("categories")) {
            categories = AllowSenders.DEFAULT.categories();
        }
        if (categories.contains("virus")) {
            map.errors().add(map.node("categories"), map.keyPath("categories"),
                    "virus cannot be allowed by sender: a virus is held whoever sent it");
        }
        int perRecipient = map.integer("max-per-recipient", AllowSenders.DEFAULT.maxPerRecipient(), 1, 100_000);
        int entries = map.integer("max-entries", AllowSenders.DEFAULT.maxEntries(), 1, 10_000_000);
        boolean authenticated = map.bool("require-authentication", AllowSenders.DEFAULT.requireAuthentication());
        map.finish();
        return new AllowSenders(categories, perRecipient, entries, authenticated);
    }
}
