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
 * @param logging  where the log goes besides standard output ({@code logging:})
 */
public record GatewayConfig(String source, String hostname, SpoolConfig spool, List<ListenerConfig> listeners,
                            RouteTable routes, List<ConnectorConfig> connectors, DeliveryConfig delivery,
                            Directory directory, java.time.Duration trackingRetention, AdminConfig admin,
                            java.util.Map<String, CheckConfig> checks,
                            java.util.Map<String, PhaseCheckConfig> phaseChecks, LoggingConfig logging) {
    public GatewayConfig {
        listeners = List.copyOf(listeners);
        connectors = List.copyOf(connectors);
        checks = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(checks));
        phaseChecks = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(phaseChecks));
    }

    /** Without a {@code logging:} section: standard output only. */
    public GatewayConfig(String source, String hostname, SpoolConfig spool, List<ListenerConfig> listeners,
                         RouteTable routes, List<ConnectorConfig> connectors, DeliveryConfig delivery,
                         Directory directory, java.time.Duration trackingRetention, AdminConfig admin,
                         java.util.Map<String, CheckConfig> checks, java.util.Map<String, PhaseCheckConfig> phaseChecks) {
        this(source, hostname, spool, listeners, routes, connectors, delivery, directory, trackingRetention, admin, checks,
                phaseChecks, LoggingConfig.DEFAULT);
    }

    /** The flow of copies an archive check queues to its archive address. */
    public static final String ARCHIVE_FLOW = "archive";

    /** Every flow a message can have: the listeners', {@code local} and {@code archive}. */
    public List<String> flows() {
        java.util.LinkedHashSet<String> flows = new java.util.LinkedHashSet<>();
        listeners.forEach(l -> flows.add(l.flow()));
        flows.add("local");
        flows.add(ARCHIVE_FLOW);
        return List.copyOf(flows);
    }
}
