package io.portcullis.auth;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Brute-force protection shared by all sessions: failures are counted per client address and per
 * user name within a window; each failure costs the client a growing delay, and after too many the
 * address or the name is locked out for a while. Nothing here says whether a user exists.
 */
public final class AuthThrottle {
    private final int maxFailures;
    private final Duration window;
    private final Duration lockout;
    private final Duration delayPerFailure;
    private final ConcurrentHashMap<String, Failures> failures = new ConcurrentHashMap<>();

    /** The failures of one key within the current window, and the end of its lockout. */
    private record Failures(int count, long windowStartNanos, long lockedUntilNanos) {
    }

    public AuthThrottle(int maxFailures, Duration window, Duration lockout, Duration delayPerFailure) {
        this.maxFailures = maxFailures;
        this.window = window;
        this.lockout = lockout;
        this.delayPerFailure = delayPerFailure;
    }

    public static AuthThrottle defaults() {
        return new AuthThrottle(5, Duration.ofMinutes(15), Duration.ofMinutes(15), Duration.ofSeconds(1));
    }

    public boolean isLocked(InetAddress client, String user) {
        long now = System.nanoTime();
        return locked(addressKey(client), now) || (user != null && locked(userKey(user), now));
    }

    private boolean locked(String key, long now) {
        Failures f = failures.get(key);
        return f != null && f.lockedUntilNanos() - now > 0;
    }

    /** Records a failure; returns how long the session should wait before answering. */
    public Duration failed(InetAddress client, String user) {
        int count = record(addressKey(client));
        if (user != null) {
            count = Math.max(count, record(userKey(user)));
        }
        return delayPerFailure.multipliedBy(Math.min(count, 5));
    }

    public void succeeded(InetAddress client, String user) {
        failures.remove(addressKey(client));
        failures.remove(userKey(user));
    }

    private int record(String key) {
        long now = System.nanoTime();
        Failures updated = failures.compute(key, (k, f) -> {
            if (f == null || now - f.windowStartNanos() > window.toNanos()) {
                f = new Failures(0, now, 0);
            }
            int count = f.count() + 1;
            long lockedUntil = count >= maxFailures ? now + lockout.toNanos() : f.lockedUntilNanos();
            return new Failures(count, f.windowStartNanos(), lockedUntil);
        });
        return updated.count();
    }

    private static String addressKey(InetAddress client) {
        return "ip:" + client.getHostAddress();
    }

    private static String userKey(String user) {
        return "user:" + user.toLowerCase(Locale.ROOT);
    }
}
