package io.portcullis.config;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * The admin HTTP server: metrics, health, queue API, and the limits that keep whatever its port
 * receives from reaching the SMTP side (its own threads, a bounded number of connections, each
 * bounded in size and time).
 *
 * @param bind           where it listens; null when it is off
 * @param token          the API token, or null to generate one into the data directory on first start
 * @param maxConnections connections at once; beyond them the server stops accepting until one closes
 * @param idleTimeout    a connection that sends and receives nothing this long is closed
 * @param requestTimeout time to send one whole request (line, header fields, body), counted from the
 *                       connection's opening for its first request and from the first octet of each
 *                       later one: a deadline, not idle time
 * @param maxHeaderSize  octets of request line and header fields; more get 431
 * @param maxBodySize    octets of request body; more get 413
 * @param threads        the server's own platform threads (acceptor, selector and handlers)
 */
public record AdminConfig(InetSocketAddress bind, String token, int maxConnections, Duration idleTimeout,
                          Duration requestTimeout, int maxHeaderSize, int maxBodySize, int threads) {
    /** The shortest token accepted, in the configuration and in the data directory's admin-token file. */
    public static final int MIN_TOKEN_LENGTH = 16;

    public static final AdminConfig OFF = withDefaults(null, null);

    public static AdminConfig withDefaults(InetSocketAddress bind, String token) {
        return new AdminConfig(bind, token, 64, Duration.ofSeconds(30), Duration.ofSeconds(10), 8 * 1024, 64 * 1024, 16);
    }

    /**
     * Why {@code token} cannot protect the API, or null when it can: at least
     * {@value #MIN_TOKEN_LENGTH} characters, printable ASCII without spaces (it travels in an HTTP
     * header as {@code Bearer TOKEN}).
     */
    public static String tokenProblem(String token) {
        if (token == null || token.isEmpty()) {
            return "the token is empty";
        }
        if (!token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            return "a token is printable ASCII without spaces";
        }
        if (token.length() < MIN_TOKEN_LENGTH) {
            return "a token needs at least " + MIN_TOKEN_LENGTH + " characters, this one has " + token.length();
        }
        return null;
    }

    @Override
    public String toString() {
        return "AdminConfig[bind=" + bind + ", token=" + (token == null ? "generated" : "***") + ", max-connections="
                + maxConnections + ", idle-timeout=" + idleTimeout + ", request-timeout=" + requestTimeout
                + ", max-header-size=" + maxHeaderSize + ", max-body-size=" + maxBodySize + ", threads=" + threads + "]";
    }
}
