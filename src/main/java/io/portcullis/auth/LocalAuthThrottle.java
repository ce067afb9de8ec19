package io.portcullis.auth;

import io.portcullis.config.AuthThrottleConfig;
import io.portcullis.config.ClientSource;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Locale;

/**
 * The {@link AuthThrottle} of one process: brute-force protection shared by all its sessions. Failures are counted within a window per client
 * source (an IPv4 address or an IPv6 /64, {@link ClientSource}), per user name and source, and per
 * user name across all sources:
 * <ul>
 * <li>each failure costs its client a delay that grows with the failures of its source or of the
 *     user from that source;</li>
 * <li>a source that failed {@code maxFailuresPerSource} times, or failed {@code maxFailures} times
 *     for one user, is refused (454 4.7.0) until its lockout ends;</li>
 * <li>a user name that failed {@code maxFailures} times from anywhere (guesses spread over many
 *     sources) is never locked: every attempt at it waits first, longer as its failures grow, up
 *     to {@code maxDelay}. An outsider can slow the real user down but never lock them out: the
 *     right password from a source that has not failed is always accepted.</li>
 * </ul>
 * A success clears only the failures of that user from that source (clearing the source's would let
 * an attacker with one valid account reset its counter between guesses). The counters live in
 * {@link ExpiringCache}s bounded in size, so millions of distinct sources or names cost at most the
 * capacity; an evicted counter only forgets a stranger early. Nothing here says whether a user exists.
 */
public final class LocalAuthThrottle implements AuthThrottle {
    /** Longer names are no user's; the counter keeps this much of them, so a key's size is bounded. */
    private static final int MAX_NAME_KEY = 320;

    private final int maxFailures;
    private final int maxFailuresPerSource;
    private final long windowNanos;
    private final long lockoutNanos;
    private final Duration delayPerFailure;
    private final Duration maxDelay;
    private final ExpiringCache<InetAddress, Failures> sources;
    private final ExpiringCache<String, Failures> userFromSource;
    private final ExpiringCache<String, Failures> users;

    /** The failures of one key within the current window, and the end of its lockout (0: none). */
    private record Failures(int count, long windowStartNanos, long lockedUntilNanos) {
    }

    /**
     * @param maxFailures          failures of one user from one source before that source is refused
     *                             for that user; also the failures of one user from everywhere before
     *                             every attempt at it is slowed
     * @param maxFailuresPerSource failures of one source, whatever the users, before it is refused
     * @param capacity             counters kept per kind (sources, user and source, users)
     */
    public LocalAuthThrottle(int maxFailures, int maxFailuresPerSource, Duration window, Duration lockout,
                        Duration delayPerFailure, Duration maxDelay, int capacity) {
        this.maxFailures = maxFailures;
        this.maxFailuresPerSource = maxFailuresPerSource;
        this.windowNanos = window.toNanos();
        this.lockoutNanos = lockout.toNanos();
        this.delayPerFailure = delayPerFailure;
        this.maxDelay = maxDelay;
        Duration ttl = window.compareTo(lockout) > 0 ? window : lockout;
        this.sources = new ExpiringCache<>(capacity, ttl);
        this.userFromSource = new ExpiringCache<>(capacity, ttl);
        this.users = new ExpiringCache<>(capacity, ttl);
    }

    public static LocalAuthThrottle of(AuthThrottleConfig config) {
        return new LocalAuthThrottle(config.maxFailures(), config.maxFailuresPerSource(), config.window(), config.lockout(),
                config.delayPerFailure(), config.maxDelay(), config.maxTracked());
    }

    @Override
    public boolean isLocked(InetAddress client, String user) {
        long now = System.nanoTime();
        InetAddress source = ClientSource.of(client);
        return locked(sources.get(source), now) || (user != null && locked(userFromSource.get(key(user, source)), now));
    }

    private static boolean locked(Failures failures, long now) {
        return failures != null && failures.lockedUntilNanos() != 0 && failures.lockedUntilNanos() - now > 0;
    }

    @Override
    public Duration delayBeforeCheck(String user) {
        Failures failures = users.get(userKey(user));
        if (failures == null || failures.count() < maxFailures) {
            return Duration.ZERO;
        }
        return capped(delayPerFailure.multipliedBy(failures.count() / maxFailures));
    }

    @Override
    public Duration failed(InetAddress client, String user) {
        InetAddress source = ClientSource.of(client);
        int count = record(sources, source, maxFailuresPerSource);
        if (user != null) {
            count = Math.max(count, record(userFromSource, key(user, source), maxFailures));
            record(users, userKey(user), 0);
        }
        return capped(delayPerFailure.multipliedBy(count));
    }

    @Override
    public void succeeded(InetAddress client, String user) {
        userFromSource.remove(key(user, ClientSource.of(client)));
    }

    /** Counters held now, of all kinds; never more than three times the capacity. */
    int trackedCounters() {
        return sources.size() + userFromSource.size() + users.size();
    }

    private Duration capped(Duration delay) {
        return delay.compareTo(maxDelay) > 0 ? maxDelay : delay;
    }

    /** Counts a failure; {@code lockAt} failures start a lockout (0: never). Returns the count. */
    private <K> int record(ExpiringCache<K, Failures> counters, K key, int lockAt) {
        long now = System.nanoTime();
        return counters.update(key, f -> {
            if (f == null || (now - f.windowStartNanos() > windowNanos && !locked(f, now))) {
                f = new Failures(0, now, 0);
            }
            int count = f.count() + 1;
            long lockedUntil = lockAt > 0 && count >= lockAt ? now + lockoutNanos : f.lockedUntilNanos();
            return new Failures(count, f.windowStartNanos(), lockedUntil);
        }).count();
    }

    private static String userKey(String user) {
        String name = user.toLowerCase(Locale.ROOT);
        return name.length() > MAX_NAME_KEY ? name.substring(0, MAX_NAME_KEY) : name;
    }

    private static String key(String user, InetAddress source) {
        return userKey(user) + "\0" + source.getHostAddress();
    }
}
