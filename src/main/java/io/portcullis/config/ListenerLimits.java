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
 * @param proxyHeaderTimeout   on a PROXY protocol listener, the time a proxy has to send the whole header
 */
public record ListenerLimits(int maxConnections, int maxConnectionsPerIp, long maxMessageSize, int maxRecipients,
                             int maxLineLength, int maxErrors, int maxReceivedHeaders, Duration commandTimeout,
                             Duration dataTimeout, Duration greetingDelay, Duration proxyHeaderTimeout) {

    public static final ListenerLimits DEFAULTS = new ListenerLimits(1000, 50, 25L * 1024 * 1024, 1000,
            8192, 10, 50, Duration.ofMinutes(5), Duration.ofMinutes(3), Duration.ZERO,
            Duration.ofSeconds(10));
}
