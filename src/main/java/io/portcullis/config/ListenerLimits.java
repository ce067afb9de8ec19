package io.portcullis.config;

import java.time.Duration;

/**
 * Every limit a listener enforces; each has a default and a config key (under {@code limits:}).
 *
 * @param maxLineLength        longest command line and longest message line, without CRLF
 * @param maxErrors            protocol errors before the session is closed with 421
 * @param maxReceivedHeaders   more Received headers than this is a loop: 554 5.4.0
 * @param commandTimeout       the time a client has to send one complete command line
 * @param dataTimeout          the longest wait for the next piece of message data
 * @param greetingDelay        a pause before the banner; a client that talks during it is refused
 * @param maxHeaderSize        largest header section (octets, up to the empty line); larger: 552 5.3.4
 */
public record ListenerLimits(int maxConnections, int maxConnectionsPerIp, long maxMessageSize, int maxRecipients,
                             int maxLineLength, int maxErrors, int maxReceivedHeaders, Duration commandTimeout,
                             Duration dataTimeout, Duration greetingDelay, long maxHeaderSize) {

    /** Postfix's header_size_limit, but what is larger is refused, never truncated. */
    public static final long DEFAULT_MAX_HEADER_SIZE = 100 * 1024;

    public static final ListenerLimits DEFAULTS = new ListenerLimits(1000, 50, 25L * 1024 * 1024, 1000,
            8192, 10, 50, Duration.ofMinutes(5), Duration.ofMinutes(3), Duration.ZERO, DEFAULT_MAX_HEADER_SIZE);

    /** The limits with the default header size limit. */
    public ListenerLimits(int maxConnections, int maxConnectionsPerIp, long maxMessageSize, int maxRecipients,
                          int maxLineLength, int maxErrors, int maxReceivedHeaders, Duration commandTimeout,
                          Duration dataTimeout, Duration greetingDelay) {
        this(maxConnections, maxConnectionsPerIp, maxMessageSize, maxRecipients, maxLineLength, maxErrors,
                maxReceivedHeaders, commandTimeout, dataTimeout, greetingDelay, DEFAULT_MAX_HEADER_SIZE);
    }
}
