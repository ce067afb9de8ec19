package io.portcullis.config;

import java.util.List;

/**
 * The whole configuration.
 *
 * @param source   where it came from, for messages ("portcullis.yaml" or "embedded default")
 * @param hostname this gateway's name: banner and Received header default, bounce sender domain
 * @param trackingRetention how many days of tracking log files to keep
 * @param admin    the admin HTTP server, or {@link AdminConfig#OFF}
 * @param checks   the content checks by name, as defined under {@code checks:}
 * @param mtaSts   MTA-STS for MX delivery and the policy we serve
 * @param tlsReports TLS reporting (RFC 8460)
 * @param shutdownTimeout how long a graceful stop (SIGTERM) lets sessions in progress finish
 * @param logging  where the log goes besides standard output ({@code logging:})
 * @param quarantine the quarantine's retention, sweeps, release links and digests
 * @param cluster  this node's {@code node-id} and the peers of the cluster view
 * @param sharedState which features keep their state in Redis, shared by several nodes ({@code shared-state:})
 * @param database  the PostgreSQL store of tracking, reports and the quarantine index ({@code database:}), or NONE
 */
public record GatewayConfig(String source, String hostname, SpoolConfig spool, List<ListenerConfig> listeners,
                            RouteTable routes, List<ConnectorConfig> connectors, DeliveryConfig delivery,
                            Directory directory, java.time.Duration trackingRetention, AdminConfig admin,
                            java.util.Map<String, CheckConfig> checks,
                            java.util.Map<String, PhaseCheckConfig> phaseChecks, MtaStsConfig mtaSts,
                            TlsReportConfig tlsReports, java.time.Duration shutdownTimeout, LoggingConfig logging,
                            QuarantineConfig quarantine, ClusterConfig cluster, SharedStateConfig sharedState,
                            DatabaseConfig database) {
    /** {@code shutdown-timeout}'s default: long enough for a client to finish sending a large message. */
    public static final java.time.Duration DEFAULT_SHUTDOWN_TIMEOUT = java.time.Duration.ofSeconds(30);

    public GatewayConfig {
        sharedState = sharedState == null ? SharedStateConfig.LOCAL : sharedState;
        database = database == null ? DatabaseConfig.NONE : database;
        listeners = List.copyOf(listeners);
        connectors = List.copyOf(connectors);
        checks = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(checks));
        phaseChecks = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(phaseChecks));
    }

    /** With the default {@code shutdown-timeout} and no {@code logging:} section (standard output only). */
    public GatewayConfig(String source, String hostname, SpoolConfig spool, List<ListenerConfig> listeners,
                         RouteTable routes, List<ConnectorConfig> connectors, DeliveryConfig delivery,
                         Directory directory, java.time.Duration trackingRetention, AdminConfig admin,
                         java.util.Map<String, CheckConfig> checks,
                         java.util.Map<String, PhaseCheckConfig> phaseChecks, MtaStsConfig mtaSts,
                         TlsReportConfig tlsReports) {
        this(source, hostname, spool, listeners, routes, connectors, delivery, directory, trackingRetention, admin,
                checks, phaseChecks, mtaSts, tlsReports, DEFAULT_SHUTDOWN_TIMEOUT, LoggingConfig.DEFAULT, QuarantineConfig.DEFAULT,
                ClusterConfig.single(ClusterConfig.defaultNodeId()), SharedStateConfig.LOCAL, DatabaseConfig.NONE);
    }

    /** A single node named after the host, with state kept locally ({@link SharedStateConfig#LOCAL}) and no database. */
    public GatewayConfig(String source, String hostname, SpoolConfig spool, List<ListenerConfig> listeners,
                         RouteTable routes, List<ConnectorConfig> connectors, DeliveryConfig delivery,
                         Directory directory, java.time.Duration trackingRetention, AdminConfig admin,
                         java.util.Map<String, CheckConfig> checks,
                         java.util.Map<String, PhaseCheckConfig> phaseChecks, MtaStsConfig mtaSts,
                         TlsReportConfig tlsReports, java.time.Duration shutdownTimeout, LoggingConfig logging,
                         QuarantineConfig quarantine) {
        this(source, hostname, spool, listeners, routes, connectors, delivery, directory, trackingRetention, admin,
                checks, phaseChecks, mtaSts, tlsReports, shutdownTimeout, logging, quarantine,
                ClusterConfig.single(ClusterConfig.defaultNodeId()), SharedStateConfig.LOCAL, DatabaseConfig.NONE);
    }

    /** This node's {@code node-id}. */
    public String nodeId() {
        return cluster.nodeId();
    }

    /** The flow of copies an archive check queues to its archive address. */
    public static final String ARCHIVE_FLOW = "archive";

    /** The flow of the TLS reports (RFC 8460) the gateway mails to other domains. */
    public static final String TLS_REPORT_FLOW = "tls-report";

    /** The flow of the quarantine digests the gateway mails to recipients of held messages. */
    public static final String QUARANTINE_DIGEST_FLOW = "quarantine-digest";

    /** Flows no listener may take: mail the gateway generates itself. */
    public static final java.util.Set<String> RESERVED_FLOWS = java.util.Set.of("local", ARCHIVE_FLOW, TLS_REPORT_FLOW,
            QUARANTINE_DIGEST_FLOW);

    /** Every flow a message can have: the listeners', {@code local}, {@code archive}, {@code tls-report} and {@code quarantine-digest}. */
    public List<String> flows() {
        java.util.LinkedHashSet<String> flows = new java.util.LinkedHashSet<>();
        listeners.forEach(l -> flows.add(l.flow()));
        flows.add("local");
        flows.add(ARCHIVE_FLOW);
        flows.add(TLS_REPORT_FLOW);
        flows.add(QUARANTINE_DIGEST_FLOW);
        return List.copyOf(flows);
    }
}
