package io.portcullis.config;

import java.net.InetSocketAddress;

/**
 * The admin HTTP server: metrics, health, queue API.
 *
 * @param bind  where it listens; null when it is off
 * @param token the API token, or null to generate one into the data directory on first start
 */
public record AdminConfig(InetSocketAddress bind, String token) {
    public static final AdminConfig OFF = new AdminConfig(null, null);

    @Override
    public String toString() {
        return "AdminConfig[bind=" + bind + ", token=" + (token == null ? "generated" : "***") + "]";
    }
}
