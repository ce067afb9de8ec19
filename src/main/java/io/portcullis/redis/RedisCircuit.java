package io.portcullis.redis;

import io.portcullis.content.SharedCircuit;

/**
 * A content check's circuit-breaker state in Redis: one key per check name, present while the
 * circuit is open, expiring by itself when the open period ends (its remaining time to live is the
 * remaining open time, so the nodes' clocks do not matter). Nodes name the same scanner by the same
 * check name. When Redis cannot answer, {@code on-failure: open} lets this node's own breaker
 * decide; {@code closed} counts the circuit as open for a second (the step's own failure mode
 * applies), then asks again.
 */
final class RedisCircuit implements SharedCircuit {
    static final String FEATURE = "circuit-breakers";
    private static final long CLOSED_BACKOFF_MILLIS = 1000;

    private final RedisConnection redis;
    private final String key;
    private final boolean failOpen;

    RedisCircuit(RedisConnection redis, String check, boolean failOpen) {
        this.redis = redis;
        this.key = redis.key("breaker", check);
        this.failOpen = failOpen;
    }

    @Override
    public long remainingOpenMillis() {
        try {
            long ttl = redis.call(FEATURE, jedis -> jedis.pttl(key));
            return Math.max(0, ttl);
        } catch (RedisUnavailableException e) {
            return failOpen ? 0 : CLOSED_BACKOFF_MILLIS;
        }
    }

    @Override
    public void opened(long millis) {
        try {
            redis.call(FEATURE, jedis -> jedis.psetex(key, Math.max(1, millis), "open"));
        } catch (RedisUnavailableException e) {
            // this node's own breaker is open anyway; the others find out themselves
        }
    }

    @Override
    public void closed() {
        try {
            redis.call(FEATURE, jedis -> jedis.del(key));
        } catch (RedisUnavailableException e) {
            // the key expires at the end of the period
        }
    }
}
