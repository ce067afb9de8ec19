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
                       int maxConnectionsPerDestination, int messagesPerMinutePerDestination, Timeouts timeouts) {
        @Override
        public String toString() {
            return "SmtpOptions[tls=" + tls + ", username=" + username + ", password=" + (password == null ? "none" : "***") + "]";
        }
    }

    /**
     * How long the SMTP client waits for a next hop (RFC 5321 §4.5.3.2). Each is a deadline for a
     * whole step, not for each octet: a reply trickled one byte at a time cannot stretch it.
     *
     * @param connect    the TCP connection
     * @param greeting   the 220 greeting
     * @param command    the reply to each command (EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA, RSET), the
     *                   TLS handshake, and each write of a command
     * @param dataBlock  each write of message data: a next hop that stops reading mid-DATA
     * @param finalReply the reply after the end of the message
     */
    record Timeouts(Duration connect, Duration greeting, Duration command, Duration dataBlock, Duration finalReply) {
        /** RFC 5321 §4.5.3.2's minimums, and 30 s to connect (Postfix's smtp_connect_timeout). */
        public static final Timeouts DEFAULT = new Timeouts(Duration.ofSeconds(30), Duration.ofMinutes(5),
                Duration.ofMinutes(5), Duration.ofMinutes(3), Duration.ofMinutes(10));
    }

    /** One smarthost; lower priority is tried first, like MX preference. */
    record Host(String host, int port, int priority) {
    }

    record Smarthost(String name, List<Host> hosts, SmtpOptions options) implements ConnectorConfig {
        public Smarthost {
            hosts = List.copyOf(hosts);
        }
    }

    /**
     * Delivery to the recipient domain's MX hosts (RFC 5321 §5.1) on {@code port}. DNS answers
     * pointing at a non-public address (loopback, private, link-local, ...) are refused unless the
     * address is in {@code allowInternalAddresses}.
     */
    record Mx(String name, int port, SmtpOptions options, List<Cidr> allowInternalAddresses) implements ConnectorConfig {
        public Mx {
            allowInternalAddresses = List.copyOf(allowInternalAddresses);
        }
    }

    /** Writes each message as .eml with its envelope beside it; {@code folder} is relative to the data directory. */
    record Drop(String name, Path folder) implements ConnectorConfig {
    }
}
