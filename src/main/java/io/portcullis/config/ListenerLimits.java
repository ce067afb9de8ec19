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
 * @param maxJunkCommands      NOOP, RSET, VRFY, HELP, repeated EHLO/HELO, unknown commands, RCPTs
 *                             beyond max-recipients and refused MAILs since the last accepted message
 *                             (Postfix's smtpd_junk_command_limit); one more gets 421 4.7.0
 * @param maxTransactions      mail transactions (accepted MAIL commands) per session; the next MAIL
 *                             gets 421 4.7.0. Trusted clients (authenticated, relay-networks) are exempt
 * @param maxSessionTime       the session's lifetime; the first command after it gets 421 4.4.2.
 *                             Trusted clients are exempt
 * @param maxHeaderSize        largest header section (octets, up to the empty line); larger: 552 5.3.4
 * @param proxyHeaderTimeout   on a PROXY protocol listener, the time a proxy has to send the whole header
 */
public record ListenerLimits(int maxConnections, int maxConnectionsPerIp, long maxMessageSize, int maxRecipients,
                             int maxLineLength, int maxErrors, int maxReceivedHeaders, Duration commandTimeout,
                             Duration dataTimeout, Duration greetingDelay, int maxJunkCommands, int maxTransactions,
                             Duration maxSessionTime, long maxHeaderSize, Duration proxyHeaderTimeout) {

    public static final int DEFAULT_MAX_JUNK_COMMANDS = 100;
    public static final int DEFAULT_MAX_TRANSACTIONS = 1000;
    public static final Duration DEFAULT_MAX_SESSION_TIME = Duration.ofHours(1);
    /** Postfix's header_size_limit, but what is larger is refused, never truncated. */
    public static final long DEFAULT_MAX_HEADER_SIZE = 100 * 1024;
    public static final Duration DEFAULT_PROXY_HEADER_TIMEOUT = Duration.ofSeconds(10);

    public static final ListenerLimits DEFAULTS = new ListenerLimits(1000, 50, 25L * 1024 * 1024, 1000,
            8192, 10, 50, Duration.ofMinutes(5), Duration.ofMinutes(3), Duration.ZERO);

    /** The limits without the session caps, header size and PROXY header limits, which take their defaults. */
    public ListenerLimits(int maxConnections, int maxConnectionsPerIp, long maxMessageSize, int maxRecipients,
                          int maxLineLength, int maxErrors, int maxReceivedHeaders, Duration commandTimeout,
                          Duration dataTimeout, Duration greetingDelay) {
        this(maxConnections, maxConnectionsPerIp, maxMessageSize, maxRecipients, maxLineLength, maxErrors,
                maxReceivedHeaders, commandTimeout, dataTimeout, greetingDelay, DEFAULT_MAX_JUNK_COMMANDS,
                DEFAULT_MAX_TRANSACTIONS, DEFAULT_MAX_SESSION_TIME, DEFAULT_MAX_HEADER_SIZE, DEFAULT_PROXY_HEADER_TIMEOUT);
    }
}
