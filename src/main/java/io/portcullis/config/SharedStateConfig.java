package io.portcullis.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * State shared by several gateway nodes ({@code shared-state:}, issue 17): which features count in
 * Redis rather than in this process, and what each does when Redis cannot answer. The default is
 * local everywhere, so a single node (and the embedded default) needs no Redis.
 *
 * @param redis        the Redis server, or null when no {@code redis:} block is given
 * @param rateLimits   the listeners' rate limits (per IP, per user)
 * @param authThrottle AUTH failure counting and lockout
 * @param greylisting  greylisting triplets and auto-allowed networks
 * @param circuitBreakers the content checks' circuit breakers (by check name): open on one node, open on all
 * @param dnsblCache   the DNS list checks' answers (a name one node asked is not asked again by the others)
 */
public record SharedStateConfig(Redis redis, Feature rateLimits, Feature authThrottle, Feature greylisting,
                                Feature circuitBreakers, Feature dnsblCache) {

    /** Where a feature keeps its state. */
    public enum Store { LOCAL, REDIS }

    /**
     * What a Redis-backed feature does while Redis cannot answer within its timeout: {@code OPEN}
     * lets mail go on (rate limits, the AUTH throttle and circuit breakers count on this node alone
     * meanwhile, greylisting is skipped); {@code CLOSED} refuses for now with a 4xx reply (a circuit
     * breaker counts as open: the step's own failure mode applies).
     */
    public enum OnFailure { OPEN, CLOSED }

    public record Feature(Store store, OnFailure onFailure) {
        public static final Feature LOCAL = new Feature(Store.LOCAL, OnFailure.OPEN);

        public boolean isRedis() {
            return store == Store.REDIS;
        }

        public boolean failsOpen() {
            return onFailure == OnFailure.OPEN;
        }
    }

    /**
     * @param host         the server's address (an IP literal or a name)
     * @param port         its port
     * @param passwordFile a file holding the password (AUTH), or null for none
     * @param database     the logical database (SELECT)
     * @param timeout      the bound on connecting and on every command: a Redis that hangs costs a session this much
     * @param keyPrefix    put before every key, so several gateways (or other programs) can share one Redis
     */
    public record Redis(String host, int port, Path passwordFile, int database, Duration timeout, String keyPrefix) {
        public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(200);
        public static final String DEFAULT_KEY_PREFIX = "portcullis:";
    }

    public static final SharedStateConfig LOCAL = new SharedStateConfig(null, Feature.LOCAL, Feature.LOCAL, Feature.LOCAL,
            Feature.LOCAL, Feature.LOCAL);

    /** True when some feature counts in Redis. */
    public boolean usesRedis() {
        return rateLimits.isRedis() || authThrottle.isRedis() || greylisting.isRedis() || circuitBreakers.isRedis()
                || dnsblCache.isRedis();
    }

    /** Reads {@code shared-state:}; errors name the file, line and key. */
    static SharedStateConfig read(YamlMap top, Path base) {
        YamlMap map = top.map("shared-state");
        Redis redis = map.has("redis") ? redis(map.map("redis"), base) : null;
        if (redis == null) {
            map.map("redis").finish();
        }
        Feature rateLimits = feature(map, "rate-limits");
        Feature authThrottle = feature(map, "auth-throttle");
        Feature greylisting = feature(map, "greylisting");
        Feature circuitBreakers = feature(map, "circuit-breakers");
        Feature dnsblCache = feature(map, "dnsbl-cache");
        map.finish();
        SharedStateConfig config = new SharedStateConfig(redis, rateLimits, authThrottle, greylisting, circuitBreakers,
                dnsblCache);
        if (redis == null && config.usesRedis()) {
            map.errors().add(top.node("shared-state"), top.keyPath("shared-state"),
                    "a feature has store: redis, but there is no redis: block (address, ...)");
        }
        return config;
    }

    private static Redis redis(YamlMap map, Path base) {
        String address = map.string("address", null);
        String host = null;
        int port = 6379;
        if (address == null) {
            map.errors().add(map.node("address"), map.keyPath("address"), "missing: the Redis server as host:port");
        } else {
            java.util.regex.Matcher m = java.util.regex.Pattern
                    .compile("(\\[[0-9a-fA-F:.]+]|[A-Za-z0-9.-]+)(?::(\\d{1,5}))?").matcher(address);
            if (m.matches() && (m.group(2) == null || Integer.parseInt(m.group(2)) <= 65535)) {
                host = m.group(1).replace("[", "").replace("]", "");
                port = m.group(2) == null ? 6379 : Integer.parseInt(m.group(2));
            } else {
                map.errors().add(map.node("address"), map.keyPath("address"),
                        "expected host:port, such as 127.0.0.1:6379, got \"" + address + "\"");
            }
        }
        Path passwordFile = map.readableFile("password-file", base);
        int database = map.integer("database", 0, 0, 1000);
        Duration timeout = map.duration("timeout", Redis.DEFAULT_TIMEOUT);
        if (timeout != null && (timeout.toMillis() < 10 || timeout.toSeconds() > 10)) {
            map.errors().add(map.node("timeout"), map.keyPath("timeout"), "must be from 10ms to 10s");
        }
        String prefix = map.string("key-prefix", Redis.DEFAULT_KEY_PREFIX);
        if (prefix != null && !prefix.matches("[A-Za-z0-9:._-]{0,64}")) {
            map.errors().add(map.node("key-prefix"), map.keyPath("key-prefix"),
                    "expected up to 64 letters, digits and : . _ -, got \"" + prefix + "\"");
        }
        map.finish();
        return new Redis(host, port, passwordFile, database, timeout, prefix);
    }

    private static Feature feature(YamlMap parent, String key) {
        YamlMap map = parent.map(key);
        Store store = choice(map, "store", Store.LOCAL, Store.class);
        OnFailure onFailure = choice(map, "on-failure", OnFailure.OPEN, OnFailure.class);
        map.finish();
        return new Feature(store, onFailure);
    }

    private static <E extends Enum<E>> E choice(YamlMap map, String key, E defaultValue, Class<E> type) {
        String text = map.string(key, null);
        if (text == null) {
            return defaultValue;
        }
        for (E value : type.getEnumConstants()) {
            if (value.name().toLowerCase(Locale.ROOT).equals(text)) {
                return value;
            }
        }
        map.errors().add(map.node(key), map.keyPath(key), "expected one of "
                + java.util.Arrays.stream(type.getEnumConstants()).map(v -> v.name().toLowerCase(Locale.ROOT)).toList()
                + ", got \"" + text + "\"");
        return defaultValue;
    }
}
