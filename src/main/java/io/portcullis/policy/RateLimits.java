package io.portcullis.policy;

import io.portcullis.config.ClientSource;
import io.portcullis.config.RateLimitConfig;
import io.portcullis.smtp.Replies;
import io.portcullis.smtp.Reply;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A listener's rate limits, checked at connect (connections per minute per address), at MAIL
 * (messages per hour, per address and per user) and at RCPT (recipients per hour). Exceeding one
 * gives a temporary 4.7.x reply: a legitimate sender retries later, a flood slows down. "Per
 * address" means per {@link ClientSource}: an IPv4 address or an IPv6 /64. The buckets live in a
 * {@link RateLimitStore}: this process's, or Redis when {@code shared-state.rate-limits} says so;
 * a shared store that cannot answer and is configured to fail closed gives a 4.3.0 reply.
 */
public final class RateLimits {
    private final RateLimitConfig config;
    private final RateLimitStore store;
    private final String listener;

    /** Limits counted in this process. */
    public RateLimits(RateLimitConfig config) {
        this(config, RateLimitStore.local(), "");
    }

    /** Limits counted in {@code store}, under the listener's name (each listener has its own buckets). */
    public RateLimits(RateLimitConfig config, RateLimitStore store, String listener) {
        this.config = config;
        this.store = store;
        this.listener = listener;
    }

    public Verdict connection(InetAddress client) {
        List<RateLimitStore.Bucket> buckets = new ArrayList<>(1);
        add(buckets, "connections-per-ip", source(client), config.connectionsPerMinutePerIp(), Duration.ofMinutes(1));
        return take(buckets, Replies.CONNECTION_RATE_EXCEEDED, "rate-connections", Replies.SHARED_STATE_UNAVAILABLE);
    }

    public Verdict message(ClientFacts client) {
        List<RateLimitStore.Bucket> buckets = new ArrayList<>(2);
        add(buckets, "messages-per-ip", source(client.address()), config.messagesPerHourPerIp(), Duration.ofHours(1));
        if (client.isAuthenticated()) {
            add(buckets, "messages-per-user", user(client), config.messagesPerHourPerUser(), Duration.ofHours(1));
        }
        return take(buckets, Replies.MESSAGE_RATE_EXCEEDED, "rate-messages", Replies.SHARED_STATE_UNAVAILABLE);
    }

    public Verdict recipient(ClientFacts client) {
        List<RateLimitStore.Bucket> buckets = new ArrayList<>(2);
        add(buckets, "recipients-per-ip", source(client.address()), config.recipientsPerHourPerIp(), Duration.ofHours(1));
        if (client.isAuthenticated()) {
            add(buckets, "recipients-per-user", user(client), config.recipientsPerHourPerUser(), Duration.ofHours(1));
        }
        return take(buckets, Replies.RECIPIENT_RATE_EXCEEDED, "rate-recipients", Replies.SHARED_STATE_UNAVAILABLE);
    }

    private void add(List<RateLimitStore.Bucket> buckets, String kind, String key, int limit, Duration period) {
        if (limit > 0) {
            buckets.add(new RateLimitStore.Bucket(listener + "/" + kind, key, limit, period));
        }
    }

    private Verdict take(List<RateLimitStore.Bucket> buckets, Reply exceeded, String reason, Reply unavailable) {
        if (buckets.isEmpty()) {
            return Verdict.ACCEPT;
        }
        try {
            return store.acquire(buckets) < 0 ? Verdict.ACCEPT : Verdict.reject(exceeded, reason);
        } catch (StoreUnavailableException e) {
            return Verdict.reject(unavailable, "rate-unavailable");
        }
    }

    /** Per IPv4 address, per IPv6 /64: a client rotating through its /64 is one client. */
    private static String source(InetAddress client) {
        return ClientSource.of(client).getHostAddress();
    }

    private static String user(ClientFacts client) {
        return client.user().name().toLowerCase(Locale.ROOT);
    }
}
