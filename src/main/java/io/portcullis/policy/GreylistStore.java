package io.portcullis.policy;

/**
 * Where greylisting keeps what it has seen: entries by key (a fixed-length hash of a triplet or of a
 * client network, never an address), each carrying the time it expires. Thread-safe: every session
 * of every listener naming the check calls it. The store bounds itself: it keeps at most the number
 * of entries it was made for, dropping the least recently used (triplets not passed yet first, so
 * that a flood of attempts never retried cannot push out what real senders passed), and never
 * returns an expired entry.
 * A shared store (Redis, PostgreSQL) can implement this with the key as its key and {@code expires}
 * as its time to live.
 */
public interface GreylistStore extends AutoCloseable {

    /**
     * What is known about a key. Times are seconds since the epoch.
     *
     * @param firstSeen when the key was first seen (for a triplet: the start of its delay)
     * @param lastSeen  when it was last written
     * @param passes    a triplet: 0 while greylisted, 1 once passed; a network: the triplets it passed
     * @param expires   when the entry stops counting; the store drops it then
     */
    public record Entry(long firstSeen, long lastSeen, int passes, long expires) {
    }

    /** The entry of {@code key}, or null when there is none or it expired by {@code now}. */
    Entry get(String key, long now);

    /** Records {@code entry} under {@code key}, replacing what was there. */
    void put(String key, Entry entry);

    /** Drops every entry expired by {@code now}. */
    void evictExpired(long now);

    /** The entries held (expired ones not yet dropped included). */
    int size();

    @Override
    void close();
}
