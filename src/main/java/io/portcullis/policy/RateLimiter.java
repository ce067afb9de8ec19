package io.portcullis.policy;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Token buckets by key: each key may spend {@code limit} tokens per {@code period}, refilled
 * continuously, so a burst of the whole allowance is allowed and then the rate is steady. Full
 * buckets are forgotten now and then, so memory follows the active clients, not all clients ever.
 */
final class RateLimiter {
    private final double limit;
    private final double tokensPerNano;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong operations = new java.util.concurrent.atomic.AtomicLong();

    private record Bucket(double tokens, long updatedNanos) {
    }

    RateLimiter(int limit, Duration period) {
        this.limit = limit;
        this.tokensPerNano = limit / (double) period.toNanos();
    }

    /** Takes {@code count} tokens for {@code key}; false (and nothing taken) when there are not enough. */
    boolean tryAcquire(String key, int count) {
        long now = System.nanoTime();
        boolean[] granted = new boolean[1];
        buckets.compute(key, (k, bucket) -> {
            double tokens = bucket == null ? limit
                    : Math.min(limit, bucket.tokens() + (now - bucket.updatedNanos()) * tokensPerNano);
            granted[0] = tokens >= count;
            return new Bucket(granted[0] ? tokens - count : tokens, now);
        });
        if (operations.incrementAndGet() % 10_000 == 0) {
            buckets.values().removeIf(b -> b.tokens() + (now - b.updatedNanos()) * tokensPerNano >= limit);
        }
        return granted[0];
    }
}
