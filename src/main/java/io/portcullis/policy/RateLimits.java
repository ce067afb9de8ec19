package io.portcullis.policy;

import io.portcullis.config.ClientSource;
import io.portcullis.config.RateLimitConfig;
import io.portcullis.smtp.Replies;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Locale;

/**
 * A listener's rate limits, checked at connect (connections per minute per address), at MAIL
 * (messages per hour, per address and per user) and at RCPT (recipients per hour). Exceeding one
 * gives a temporary 4.7.x reply: a legitimate sender retries later, a flood slows down. "Per
 * address" means per {@link ClientSource}: an IPv4 address or an IPv6 /64.
 */
public final class RateLimits {
    private final RateLimiter connectionsPerIp;
    private final RateLimiter messagesPerIp;
    private final RateLimiter recipientsPerIp;
    private final RateLimiter messagesPerUser;
    private final RateLimiter recipientsPerUser;

    public RateLimits(RateLimitConfig config) {
        connectionsPerIp = limiter(config.connectionsPerMinutePerIp(), Duration.ofMinutes(1));
        messagesPerIp = limiter(config.messagesPerHourPerIp(), Duration.ofHours(1));
        recipientsPerIp = limiter(config.recipientsPerHourPerIp(), Duration.ofHours(1));
        messagesPerUser = limiter(config.messagesPerHourPerUser(), Duration.ofHours(1));
        recipientsPerUser = limiter(config.recipientsPerHourPerUser(), Duration.ofHours(1));
    }

    private static RateLimiter limiter(int limit, Duration period) {
        return limit == 0 ? null : new RateLimiter(limit, period);
    }

    public Verdict connection(InetAddress client) {
        return allowed(connectionsPerIp, source(client)) ? Verdict.ACCEPT
                : Verdict.reject(Replies.CONNECTION_RATE_EXCEEDED, "rate-connections");
    }

    public Verdict message(ClientFacts client) {
        if (!allowed(messagesPerIp, source(client.address()))
                || (client.isAuthenticated() && !allowed(messagesPerUser, user(client)))) {
            return Verdict.reject(Replies.MESSAGE_RATE_EXCEEDED, "rate-messages");
        }
        return Verdict.ACCEPT;
    }

    public Verdict recipient(ClientFacts client) {
        if (!allowed(recipientsPerIp, source(client.address()))
                || (client.isAuthenticated() && !allowed(recipientsPerUser, user(client)))) {
            return Verdict.reject(Replies.RECIPIENT_RATE_EXCEEDED, "rate-recipients");
        }
        return Verdict.ACCEPT;
    }

    /** Per IPv4 address, per IPv6 /64: a client rotating through its /64 is one client. */
    private static String source(InetAddress client) {
        return ClientSource.of(client).getHostAddress();
    }

    private static String user(ClientFacts client) {
        return client.user().name().toLowerCase(Locale.ROOT);
    }

    private static boolean allowed(RateLimiter limiter, String key) {
        return limiter == null || limiter.tryAcquire(key, 1);
    }
}
