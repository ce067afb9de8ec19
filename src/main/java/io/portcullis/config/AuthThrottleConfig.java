package io.portcullis.config;

import java.time.Duration;

/**
 * How AUTH guessing is throttled (top-level {@code auth-throttle:}); shared by every listener.
 *
 * @param maxFailures          failures of one user from one source (IPv4 address, IPv6 /64) before
 *                             that source is refused for that user (454 4.7.0); also the failures
 *                             of one user from anywhere before every attempt at it is slowed
 * @param maxFailuresPerSource failures of one source, whatever the users, before it is refused
 * @param window               failures older than this are forgotten
 * @param lockout              how long a refused source stays refused
 * @param delayPerFailure      the wait added per failure (before answering a failure; before the
 *                             check for a user under attack)
 * @param maxDelay             the longest such wait
 * @param maxTracked           counters kept per kind (sources, user and source, users); the least
 *                             recently used go first, so memory is bounded
 */
public record AuthThrottleConfig(int maxFailures, int maxFailuresPerSource, Duration window, Duration lockout,
                                 Duration delayPerFailure, Duration maxDelay, int maxTracked) {
    public static final AuthThrottleConfig DEFAULTS = new AuthThrottleConfig(5, 20, Duration.ofMinutes(15),
            Duration.ofMinutes(15), Duration.ofSeconds(1), Duration.ofSeconds(5), 100_000);

    static AuthThrottleConfig read(YamlMap map) {
        AuthThrottleConfig d = DEFAULTS;
        AuthThrottleConfig config = new AuthThrottleConfig(map.integer("max-failures", d.maxFailures(), 1, 1000),
                map.integer("max-failures-per-source", d.maxFailuresPerSource(), 1, 100_000),
                map.duration("window", d.window()), map.duration("lockout", d.lockout()),
                map.duration("delay-per-failure", d.delayPerFailure()), map.duration("max-delay", d.maxDelay()),
                map.integer("max-tracked", d.maxTracked(), 100, 100_000_000));
        if (config.maxDelay() != null && config.maxDelay().compareTo(Duration.ofSeconds(60)) > 0) {
            map.errors().add(map.node("max-delay"), map.keyPath("max-delay"), "must be at most 60s (clients time out)");
        }
        map.finish();
        return config;
    }
}
