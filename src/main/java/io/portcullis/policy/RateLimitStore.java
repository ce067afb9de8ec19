package io.portcullis.policy;

import java.time.Duration;
import java.util.List;

/**
 * Where rate limits count: token buckets by key, each allowing {@code limit} per {@code period},
 * refilled continuously (a burst of the whole allowance, then a steady rate). {@link #local()} keeps
 * them in this process; a shared store (Redis) keeps them where every node sees them, with the same
 * semantics, so a per-user hourly limit holds across nodes. Thread-safe.
 */
public interface RateLimitStore extends AutoCloseable {

    /**
     * One bucket to take a token from.
     *
     * @param limiter the limiter's name, unique per listener and kind ("inbound/messages-per-user")
     * @param key     whose bucket (a client source, a user name); any text, stores hash or escape it
     */
    record Bucket(String limiter, String key, int limit, Duration period) {
    }

    /**
     * Takes one token from each bucket in order, stopping at the first that has none (the buckets
     * before it keep what they gave, as when each is asked on its own); returns the index of that
     * bucket, or -1 when every bucket gave a token.
     *
     * @throws StoreUnavailableException when a shared store cannot answer and is configured to refuse
     */
    int acquire(List<Bucket> buckets);

    @Override
    default void close() {
    }

    /** Buckets in this process, one {@link RateLimiter} per limiter name. */
    static RateLimitStore local() {
        java.util.concurrent.ConcurrentHashMap<String, RateLimiter> limiters = new java.util.concurrent.ConcurrentHashMap<>();
        return buckets -> {
            for (int i = 0; i < buckets.size(); i++) {
                Bucket bucket = buckets.get(i);
                RateLimiter limiter = limiters.computeIfAbsent(bucket.limiter(),
                        name -> new RateLimiter(bucket.limit(), bucket.period()));
                if (!limiter.tryAcquire(bucket.key(), 1)) {
                    return i;
                }
            }
            return -1;
        };
    }
}
