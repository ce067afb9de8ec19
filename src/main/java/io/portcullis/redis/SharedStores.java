package io.portcullis.redis;

import io.portcullis.auth.AuthThrottle;
import io.portcullis.config.AuthThrottleConfig;
import io.portcullis.config.RateLimitConfig;
import io.portcullis.config.SharedStateConfig;
import io.portcullis.observe.Telemetry;
import io.portcullis.policy.PhaseChecks;
import io.portcullis.policy.RateLimits;
import java.io.IOException;

/**
 * The stores of {@code shared-state:}: for each feature the Redis-backed one or the local one.
 * Made once at start-up and kept across reloads (a change of {@code shared-state:} takes a restart);
 * with no feature on Redis no connection is made, so a single node needs no Redis.
 */
public final class SharedStores implements AutoCloseable {
    private final SharedStateConfig config;
    private final RedisConnection redis;
    private final RedisRateLimits rateLimits;

    private SharedStores(SharedStateConfig config, RedisConnection redis) {
        this.config = config;
        this.redis = redis;
        this.rateLimits = config.rateLimits().isRedis()
                ? new RedisRateLimits(redis, config.rateLimits().failsOpen()) : null;
    }

    /** Opens the Redis connection pool when a feature needs it (no command is sent yet: Redis may come up later). */
    public static SharedStores open(SharedStateConfig config, Telemetry telemetry) throws IOException {
        if (!config.usesRedis()) {
            return new SharedStores(config, null);
        }
        for (var feature : java.util.Map.of(RedisRateLimits.FEATURE, config.rateLimits(),
                RedisAuthThrottle.FEATURE, config.authThrottle(), RedisGreylistStore.FEATURE, config.greylisting(),
                RedisCircuit.FEATURE, config.circuitBreakers(), RedisDnsAnswers.FEATURE, config.dnsblCache()).entrySet()) {
            if (feature.getValue().isRedis()) {
                telemetry.declareSharedState(feature.getKey());
            }
        }
        RedisConnection redis = new RedisConnection(config.redis(), telemetry);
        redis.warmUp(java.util.List.of(RedisRateLimits.GCRA, RedisAuthThrottle.FAIL, RedisAuthThrottle.LOCKED,
                RedisDnsAnswers.READ));
        return new SharedStores(config, redis);
    }

    /** A listener's rate limits, counted in Redis or (as before) in its own buckets. */
    public RateLimits rateLimits(RateLimitConfig limits, String listener) {
        return rateLimits == null ? new RateLimits(limits) : new RateLimits(limits, rateLimits, listener);
    }

    public AuthThrottle authThrottle(AuthThrottleConfig throttle) {
        return config.authThrottle().isRedis()
                ? new RedisAuthThrottle(redis, throttle, config.authThrottle().failsOpen()) : AuthThrottle.of(throttle);
    }

    /** Greylisting's stores in Redis, or null for the file store of each check. */
    public PhaseChecks.GreylistStores greylistStores() {
        return config.greylisting().isRedis()
                ? greylist -> new RedisGreylistStore(redis, greylist.name(), config.greylisting().failsOpen()) : null;
    }

    /** The content checks' shared circuit state by check name, or null for breakers of this node alone. */
    public java.util.function.Function<String, io.portcullis.content.SharedCircuit> circuits() {
        return config.circuitBreakers().isRedis()
                ? check -> new RedisCircuit(redis, check, config.circuitBreakers().failsOpen()) : null;
    }

    /** DNS list answers shared in Redis, or null for each check's own cache only. */
    public io.portcullis.dns.SharedAnswers dnsListAnswers() {
        return config.dnsblCache().isRedis() ? new RedisDnsAnswers(redis) : null;
    }

    @Override
    public void close() {
        if (redis != null) {
            redis.close();
        }
    }
}
