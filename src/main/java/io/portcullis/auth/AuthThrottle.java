package io.portcullis.auth;

import io.portcullis.config.AuthThrottleConfig;
import java.net.InetAddress;
import java.time.Duration;

/**
 * Brute-force protection for AUTH, shared by all sessions: {@link LocalAuthThrottle} counts in this
 * process; a shared implementation (Redis, {@code shared-state.auth-throttle}) counts where every
 * node sees it, so a throttle tripped on one node holds on the others. The rules (per source, per
 * user from a source, per user) are described on {@link LocalAuthThrottle}; every implementation
 * keeps them. Call order per attempt: {@link #isLocked} (with a null user before the exchange, with
 * the user after it), {@link #delayBeforeCheck}, then {@link #failed} or {@link #succeeded}.
 * Nothing here says whether a user exists. Thread-safe.
 */
public interface AuthThrottle {

    static AuthThrottle of(AuthThrottleConfig config) {
        return LocalAuthThrottle.of(config);
    }

    /** Is this source refused, for every user or (with {@code user} not null) for this one? */
    boolean isLocked(InetAddress client, String user);

    /**
     * How long an attempt at this user waits before its password is checked, whatever the source and
     * whatever the outcome (so a guesser cannot hang up early to learn a failure): zero until the
     * user failed {@code maxFailures} times within the window, then growing with its failures.
     */
    Duration delayBeforeCheck(String user);

    /** Records a failure ({@code user} null: a malformed exchange); returns how long to wait before answering. */
    Duration failed(InetAddress client, String user);

    void succeeded(InetAddress client, String user);
}
