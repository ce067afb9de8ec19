package io.portcullis.redis;

import io.portcullis.policy.GreylistStore;
import io.portcullis.policy.StoreUnavailableException;

/**
 * Greylisting's entries in Redis, so a triplet first seen on one node passes on another after the
 * delay. The key is the check's own (already a fixed-length hash of the triplet or network) under
 * the check's name; the value holds the entry's times as the greylisting check's clock gave them,
 * and {@link #get} compares {@code expires} with that clock, so the entry means the same whatever
 * Redis's clock says. Redis drops the key itself {@code expires - lastSeen} seconds after the write
 * (the entry's retention), so the store never grows past what greylisting still counts.
 * When Redis cannot answer, {@link StoreUnavailableException} tells the check to skip
 * ({@code on-failure: open}) or to refuse for now ({@code closed}).
 */
public final class RedisGreylistStore implements GreylistStore {
    static final String FEATURE = "greylisting";

    private final RedisConnection redis;
    private final String kind;
    private final boolean failOpen;

    /** @param check the greylisting check's name: each check has its own entries */
    public RedisGreylistStore(RedisConnection redis, String check, boolean failOpen) {
        this.redis = redis;
        this.kind = "grey:" + RedisConnection.hash(check);
        this.failOpen = failOpen;
    }

    @Override
    public Entry get(String key, long now) {
        String value;
        try {
            value = redis.call(FEATURE, jedis -> jedis.get(redisKey(key)));
        } catch (RedisUnavailableException e) {
            throw new StoreUnavailableException(FEATURE, failOpen);
        }
        Entry entry = parse(value);
        return entry == null || entry.expires() <= now ? null : entry;
    }

    @Override
    public void put(String key, Entry entry) {
        long ttl = Math.max(1, entry.expires() - entry.lastSeen());
        String value = entry.firstSeen() + " " + entry.lastSeen() + " " + entry.passes() + " " + entry.expires();
        try {
            redis.call(FEATURE, jedis -> jedis.setex(redisKey(key), ttl, value));
        } catch (RedisUnavailableException e) {
            throw new StoreUnavailableException(FEATURE, failOpen);
        }
    }

    /** Redis expires the keys itself. */
    @Override
    public void evictExpired(long now) {
    }

    /** Not counted here: the entries live in Redis, shared by every node ({@code DBSIZE} or {@code SCAN} there). */
    @Override
    public int size() {
        return 0;
    }

    @Override
    public void close() {
    }

    private String redisKey(String key) {
        return redis.plainKey(kind, key);
    }

    /** An entry from its stored text; null for none or for anything that is not four numbers. */
    static Entry parse(String value) {
        if (value == null) {
            return null;
        }
        String[] fields = value.split(" ", -1);
        if (fields.length != 4) {
            return null;
        }
        try {
            return new Entry(Long.parseLong(fields[0]), Long.parseLong(fields[1]), Integer.parseInt(fields[2]),
                    Long.parseLong(fields[3]));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
