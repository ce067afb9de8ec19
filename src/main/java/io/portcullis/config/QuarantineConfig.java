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
 * @param digestDomains    only recipients in these domains get digests; empty: every recipient
 */
public record QuarantineConfig(Duration defaultRetention, Map<String, Duration> retention, Duration sweepInterval,
                               Duration linkValidity, String digestBaseUrl, Duration digestInterval,
                               java.util.List<String> digestDomains) {
    public static final Duration DEFAULT_RETENTION = Duration.ofDays(30);
    public static final Duration DEFAULT_SWEEP_INTERVAL = Duration.ofHours(1);
    public static final Duration DEFAULT_LINK_VALIDITY = Duration.ofDays(3);
    public static final QuarantineConfig DEFAULT = new QuarantineConfig(DEFAULT_RETENTION, Map.of(), DEFAULT_SWEEP_INTERVAL,
            DEFAULT_LINK_VALIDITY, null, Duration.ofDays(1), java.util.List.of());

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
        java.util.List<String> domains = YamlMap.scalars(digest.errors(), digest.keyPath("domains"), digest.list("domains"))
                .stream().map(d -> d.toLowerCase(java.util.Locale.ROOT)).toList();
        digest.finish();
        quarantine.finish();
        return new QuarantineConfig(fallback, retention, sweep, links, baseUrl == null ? null : baseUrl.replaceAll("/+$", ""),
                every, domains);
    }
}
