package io.portcullis.config;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** A named way out of the gateway: a smarthost, MX delivery, or a local drop folder. */
public sealed interface ConnectorConfig {
    String name();

    /** How a connector that speaks SMTP uses TLS. */
    enum TlsPolicy {
        /** STARTTLS when offered, any certificate accepted; plain text otherwise. */
        OPPORTUNISTIC,
        /** STARTTLS must succeed with a certificate that verifies and names the host, or no delivery. */
        REQUIRED,
        /** Never STARTTLS. */
        NONE
    }

    /**
     * Settings shared by SMTP connectors.
     *
     * @param sourceAddress   local address to connect from, or null for the system's choice
     * @param tlsTrust        PEM CA certificates for {@code REQUIRED}; null means the JDK's trust store
     * @param username        AUTH identity for a smarthost, or null
     * @param maxConnectionsPerDestination simultaneous connections to one destination host or domain
     * @param messagesPerMinutePerDestination 0 for no limit
     */
    record SmtpOptions(InetAddress sourceAddress, TlsPolicy tls, Path tlsTrust, String username, String password,
                       int maxConnectionsPerDestination, int messagesPerMinutePerDestination,
                       Duration connectTimeout, Duration commandTimeout, Duration dataTimeout) {
        @Override
        public String toString() {
            return "SmtpOptions[tls=" + tls + ", username=" + username + ", password=" + (password == null ? "none" : "***") + "]";
        }
    }

    /** One smarthost; lower priority is tried first, like MX preference. */
    record Host(String host, int port, int priority) {
    }

    record Smarthost(String name, List<Host> hosts, SmtpOptions options) implements ConnectorConfig {
        public Smarthost {
            hosts = List.copyOf(hosts);
        }
    }

    /** Delivery to the recipient domain's MX hosts (RFC 5321 §5.1) on {@code port}. */
    record Mx(String name, int port, SmtpOptions options) implements ConnectorConfig {
    }

    /** Writes each message as .eml with its envelope beside it; {@code folder} is relative to the data directory. */
    record Drop(String name, Path folder) implements ConnectorConfig {
    }
}
