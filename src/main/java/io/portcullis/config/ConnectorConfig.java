package io.portcullis.config;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** A named way out of the gateway: a smarthost, MX delivery, or a local drop folder. */
public sealed interface ConnectorConfig {
    String name();

    /**
     * How a connector that speaks SMTP uses TLS with one destination: the levels of Postfix's
     * {@code smtp_tls_security_level}. A level that cannot be met is a temporary failure
     * ({@code 451 4.7.5}), never a fall back to plain text.
     */
    enum TlsPolicy {
        /** Never STARTTLS. */
        NONE("none"),
        /** STARTTLS when offered, any certificate accepted; plain text otherwise (RFC 7435). */
        MAY("may"),
        /** STARTTLS must succeed; any certificate accepted (encryption without authentication). */
        ENCRYPT("encrypt"),
        /** A CA-verified certificate that names the host we connect to (the MX host name, from DNS). */
        VERIFY("verify"),
        /**
         * A CA-verified certificate that names the next-hop domain (the recipient domain for MX
         * delivery, the configured host for a smarthost) or a sub-domain of it: names that do not
         * come from an unsigned DNS answer (Postfix's {@code smtp_tls_secure_cert_match = nexthop,
         * dot-nexthop}).
         */
        SECURE("secure"),
        /** DANE (RFC 7672) where the destination publishes DNSSEC-validated TLSA records; {@code may} otherwise. */
        DANE("dane"),
        /** DANE or no delivery. */
        DANE_ONLY("dane-only");

        private final String configName;

        TlsPolicy(String configName) {
            this.configName = configName;
        }

        /** The name in the configuration file. */
        public String configName() {
            return configName;
        }

        /**
         * Does this level always authenticate the next hop (so a password may be sent over it)?
         * Not {@code dane-only}: validated TLSA records none of which is usable mean TLS without
         * authentication (RFC 7672 §2.2).
         */
        public boolean authenticates() {
            return this == VERIFY || this == SECURE;
        }

        public boolean usesDane() {
            return this == DANE || this == DANE_ONLY;
        }

        /**
         * A level by its configuration name; the names of earlier versions still read:
         * {@code opportunistic} is {@code may}, {@code required} is {@code verify}. Null when unknown.
         */
        public static TlsPolicy parse(String text) {
            String name = text.trim().toLowerCase(java.util.Locale.ROOT);
            return switch (name) {
                case "opportunistic" -> MAY;
                case "required" -> VERIFY;
                default -> {
                    for (TlsPolicy level : values()) {
                        if (level.configName.equals(name)) {
                            yield level;
                        }
                    }
                    yield null;
                }
            };
        }
    }

    /**
     * Settings shared by SMTP connectors.
     *
     * @param sourceAddress   local address to connect from, or null for the system's choice
     * @param tls             the level for destinations {@code tlsPolicies} does not name
     * @param tlsTrust        PEM CA certificates for {@code verify} and {@code secure}; null means the JDK's trust store
     * @param username        AUTH identity for a smarthost, or null
     * @param maxConnectionsPerDestination simultaneous connections to one destination host or domain
     * @param messagesPerMinutePerDestination 0 for no limit
     */
    record SmtpOptions(InetAddress sourceAddress, TlsPolicy tls, Path tlsTrust, String username, String password,
                       int maxConnectionsPerDestination, int messagesPerMinutePerDestination, Timeouts timeouts,
                       Map<String, TlsPolicy> tlsPolicies) {
        public SmtpOptions {
            tlsPolicies = Map.copyOf(tlsPolicies);
        }

        /** As before per-destination policies: every destination at {@code tls}. */
        public SmtpOptions(InetAddress sourceAddress, TlsPolicy tls, Path tlsTrust, String username, String password,
                           int maxConnectionsPerDestination, int messagesPerMinutePerDestination, Timeouts timeouts) {
            this(sourceAddress, tls, tlsTrust, username, password, maxConnectionsPerDestination,
                    messagesPerMinutePerDestination, timeouts, Map.of());
        }

        /**
         * The level for a destination (a recipient domain, or a smarthost's host name), as
         * Postfix's {@code smtp_tls_policy_maps} looks it up: the name itself, then
         * {@code .parent} entries from the nearest parent up, then the connector's {@code tls}.
         */
        public TlsPolicy tlsFor(String destination) {
            if (tlsPolicies.isEmpty() || destination == null) {
                return tls;
            }
            String name = destination.toLowerCase(java.util.Locale.ROOT);
            if (name.endsWith(".")) {
                name = name.substring(0, name.length() - 1);
            }
            TlsPolicy exact = tlsPolicies.get(name);
            if (exact != null) {
                return exact;
            }
            for (int dot = name.indexOf('.'); dot >= 0; dot = name.indexOf('.', dot + 1)) {
                TlsPolicy parent = tlsPolicies.get(name.substring(dot));
                if (parent != null) {
                    return parent;
                }
            }
            return tls;
        }

        @Override
        public String toString() {
            return "SmtpOptions[tls=" + tls.configName() + ", tls-policy=" + tlsPolicies + ", username=" + username + ", password=" + (password == null ? "none" : "***") + "]";
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
