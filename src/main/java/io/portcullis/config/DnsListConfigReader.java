package io.portcullis.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/** Reads the keys the DNS list checks ({@code dnsbl}, {@code dbl}) share into {@link DnsListSettings}. */
final class DnsListConfigReader {
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
    static final int DEFAULT_CACHE_SIZE = 100_000;
    static final Duration DEFAULT_MAX_TTL = Duration.ofHours(1);
    static final Duration DEFAULT_NEGATIVE_TTL = Duration.ofMinutes(5);

    private DnsListConfigReader() {
    }

    static DnsListSettings settings(YamlMap map, Node checkNode) {
        ConfigErrors errors = map.errors();
        List<DnsListSettings.Zone> zones = new ArrayList<>();
        List<Node> nodes = map.list("zones");
        for (int i = 0; i < nodes.size(); i++) {
            String path = map.keyPath("zones") + "[" + i + "]";
            if (!(nodes.get(i) instanceof ScalarNode scalar)) {
                errors.add(nodes.get(i), path, "expected a zone such as zen.example.org*3 or bl.example=127.0.0.[2..11]*2");
                continue;
            }
            try {
                zones.add(DnsListSettings.Zone.parse(scalar.getValue()));
            } catch (IllegalArgumentException e) {
                errors.add(nodes.get(i), path, e.getMessage());
            }
        }
        if (nodes.isEmpty()) {
            errors.add(map.has("zones") ? map.node("zones") : checkNode, map.keyPath("zones"),
                    "a DNS list check needs at least one zone (zone[=filter][*weight])");
        }
        double threshold = number(map, "threshold", 1);
        double allowThreshold = number(map, "allow-threshold", -1);
        if (allowThreshold >= threshold) {
            errors.add(map.node("allow-threshold") != null ? map.node("allow-threshold") : map.node("threshold"),
                    map.keyPath("allow-threshold"), "must be below threshold (" + threshold + ")");
        }
        String actionText = map.string("action", "reject");
        DnsListSettings.Action action = switch (actionText.toLowerCase(Locale.ROOT)) {
            case "reject" -> DnsListSettings.Action.REJECT;
            case "tempfail" -> DnsListSettings.Action.TEMPFAIL;
            case "score" -> DnsListSettings.Action.SCORE;
            case "log" -> DnsListSettings.Action.LOG;
            default -> {
                errors.add(map.node("action"), map.keyPath("action"),
                        "expected reject, tempfail, score or log, got \"" + actionText + "\"");
                yield DnsListSettings.Action.REJECT;
            }
        };
        Duration timeout = map.duration("timeout", DEFAULT_TIMEOUT);
        if (timeout.isZero() || timeout.compareTo(Duration.ofMinutes(1)) > 0) {
            errors.add(map.node("timeout"), map.keyPath("timeout"), "expected a duration above 0 and at most 1m");
            timeout = DEFAULT_TIMEOUT;
        }
        int cacheSize = map.integer("cache-size", DEFAULT_CACHE_SIZE, 0, 10_000_000);
        Duration maxTtl = map.duration("max-ttl", DEFAULT_MAX_TTL);
        Duration negativeTtl = map.duration("negative-ttl", DEFAULT_NEGATIVE_TTL);
        return new DnsListSettings(List.copyOf(zones), threshold, allowThreshold, action, timeout, cacheSize, maxTtl,
                negativeTtl);
    }

    private static double number(YamlMap map, String key, double defaultValue) {
        String text = map.string(key, null);
        if (text == null) {
            return defaultValue;
        }
        if (text.trim().matches("[+-]?\\d{1,6}(\\.\\d{1,6})?")) {
            return Double.parseDouble(text.trim());
        }
        map.errors().add(map.node(key), map.keyPath(key), "expected a number such as 3 or -1, got \"" + text + "\"");
        return defaultValue;
    }
}
