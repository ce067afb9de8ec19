package io.portcullis.redis;

import io.portcullis.policy.RateLimitStore;
import io.portcullis.policy.StoreUnavailableException;
import java.util.ArrayList;
import java.util.List;

/**
 * Rate limits counted in Redis, so every node spends from the same buckets. GCRA (the generic cell
 * rate algorithm, equivalent to the local token bucket: a burst of {@code limit}, then one per
 * {@code period / limit}): a bucket is one key holding its theoretical arrival time in microseconds,
 * read and moved by one Lua script for all the buckets of a check, on Redis's own clock (TIME), so
 * nodes with drifting clocks still agree. Each key expires when its bucket is full again, so idle
 * clients cost nothing.
 * When Redis cannot answer, {@code on-failure: open} counts in this node's own buckets meanwhile
 * (the limit holds per node), {@code closed} throws {@link StoreUnavailableException}.
 */
public final class RedisRateLimits implements RateLimitStore {
    static final String FEATURE = "rate-limits";
    /** KEYS: the buckets in order; ARGV: per bucket its emission interval and period (µs). Returns the refused index or -1. */
    static final RedisScript GCRA = RedisScript.of("""
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
            for i, key in ipairs(KEYS) do
              local interval = tonumber(ARGV[2 * i - 1])
              local period = tonumber(ARGV[2 * i])
              local tat = tonumber(redis.call('GET', key))
              if tat == nil or tat < now then tat = now end
              local due = tat + interval
              if due - now > period then return i - 1 end
              redis.call('SET', key, string.format('%d', due), 'PX', math.max(1, math.ceil((due - now) / 1000)))
            end
            return -1
            """);

    private final RedisConnection redis;
    private final boolean failOpen;
    private final RateLimitStore fallback = RateLimitStore.local();

    public RedisRateLimits(RedisConnection redis, boolean failOpen) {
        this.redis = redis;
        this.failOpen = failOpen;
    }

    @Override
    public int acquire(List<Bucket> buckets) {
        List<String> keys = new ArrayList<>(buckets.size());
        List<String> args = new ArrayList<>(buckets.size() * 2);
        for (Bucket bucket : buckets) {
            long period = bucket.period().toNanos() / 1000;
            long interval = Math.max(1, period / bucket.limit());
            keys.add(redis.key("rate", bucket.limiter(), bucket.key()));
            args.add(Long.toString(interval));
            args.add(Long.toString(interval * bucket.limit()));
        }
        try {
            return redis.call(FEATURE, jedis -> ((Long) RedisConnection.eval(jedis, GCRA, keys, args)).intValue());
        } catch (RedisUnavailableException e) {
            if (failOpen) {
                return fallback.acquire(buckets);
            }
            throw new StoreUnavailableException(FEATURE, false);
        }
    }
}
