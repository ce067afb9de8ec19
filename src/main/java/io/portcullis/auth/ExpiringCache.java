package io.portcullis.auth;

import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A map bounded in size and in age, for state that strangers can create (a failure counter per
 * client address, a cached answer per recipient): an entry lives {@code ttl} after its last write,
 * and when the map is full the least recently used entry makes room. So memory stays at {@code
 * capacity} entries however many distinct keys arrive. Thread-safe; the keys are spread over a few
 * locked segments, each an access-ordered {@link LinkedHashMap}, so every operation is O(1).
 */
final class ExpiringCache<K, V> {
    private static final int SEGMENTS = 16;

    private record Timed<V>(V value, long expiresNanos) {
    }

    private final long ttlNanos;
    private final Segment<K, V>[] segments;

    @SuppressWarnings("unchecked")
    ExpiringCache(int capacity, Duration ttl) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1");
        }
        this.ttlNanos = ttl.toNanos();
        int segmentCount = Math.min(SEGMENTS, capacity);
        this.segments = new Segment[segmentCount];
        for (int i = 0; i < segmentCount; i++) {
            // the first segments take the remainder, so the capacities add up to capacity exactly
            segments[i] = new Segment<>(capacity / segmentCount + (i < capacity % segmentCount ? 1 : 0));
        }
    }

    /** The value, or null when there is none or it expired. */
    V get(K key) {
        Segment<K, V> segment = segment(key);
        synchronized (segment) {
            Timed<V> entry = segment.get(key);
            if (entry == null) {
                return null;
            }
            if (entry.expiresNanos() - System.nanoTime() <= 0) {
                segment.remove(key);
                return null;
            }
            return entry.value();
        }
    }

    void put(K key, V value) {
        update(key, old -> value);
    }

    /**
     * Replaces the value with {@code change.apply(current)} ({@code current} is null when there is
     * none or it expired) and restarts its time to live; a null result removes the entry.
     */
    V update(K key, UnaryOperator<V> change) {
        long now = System.nanoTime();
        Segment<K, V> segment = segment(key);
        synchronized (segment) {
            Timed<V> entry = segment.get(key);
            V current = entry == null || entry.expiresNanos() - now <= 0 ? null : entry.value();
            V updated = change.apply(current);
            if (updated == null) {
                segment.remove(key);
            } else {
                segment.put(key, new Timed<>(updated, now + ttlNanos));
                segment.dropExpiredEldest(now);
            }
            return updated;
        }
    }

    void remove(K key) {
        Segment<K, V> segment = segment(key);
        synchronized (segment) {
            segment.remove(key);
        }
    }

    /** Entries held now, expired ones not yet dropped included; never more than the capacity. */
    int size() {
        int size = 0;
        for (Segment<K, V> segment : segments) {
            synchronized (segment) {
                size += segment.size();
            }
        }
        return size;
    }

    private Segment<K, V> segment(K key) {
        int hash = key.hashCode();
        hash ^= hash >>> 16;
        return segments[Math.floorMod(hash, segments.length)];
    }

    /** One lock's share: least recently used first, so the eldest entry is the one to drop. */
    private static final class Segment<K, V> extends LinkedHashMap<K, Timed<V>> {
        private final int capacity;

        Segment(int capacity) {
            super(16, 0.75f, true);
            this.capacity = capacity;
        }

        @Override
        protected boolean removeEldestEntry(Map.Entry<K, Timed<V>> eldest) {
            return size() > capacity;
        }

        /** Drops a few expired entries from the cold end, so idle keys go before the map is full. */
        void dropExpiredEldest(long now) {
            Iterator<Timed<V>> values = values().iterator();
            for (int i = 0; i < 4 && values.hasNext(); i++) {
                if (values.next().expiresNanos() - now > 0) {
                    return;
                }
                values.remove();
            }
        }
    }
}
