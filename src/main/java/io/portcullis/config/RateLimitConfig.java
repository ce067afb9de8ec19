package io.portcullis.config;

/**
 * Per-listener rate limits; 0 means no limit. Connections are counted per minute, messages and
 * recipients per hour, each per client address and (messages, recipients) per authenticated user.
 */
public record RateLimitConfig(int connectionsPerMinutePerIp, int messagesPerHourPerIp, int recipientsPerHourPerIp,
                              int messagesPerHourPerUser, int recipientsPerHourPerUser) {
    public static final RateLimitConfig NONE = new RateLimitConfig(0, 0, 0, 0, 0);

    public boolean isEmpty() {
        return equals(NONE);
    }
}
