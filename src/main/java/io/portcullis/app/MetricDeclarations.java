package io.portcullis.app;

import io.portcullis.config.ConnectorConfig;
import io.portcullis.config.GatewayConfig;
import io.portcullis.config.ListenerConfig;
import io.portcullis.config.RouteConfig;
import io.portcullis.delivery.DeliveryScheduler;
import io.portcullis.delivery.TlsOutcome;
import io.portcullis.observe.Telemetry;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every series the configuration makes known, registered at zero at start and at every reload
 * (Prometheus's {@code rate()} and {@code increase()} need a series before its first event, and an
 * alert on a counter that does not exist yet never fires): per listener and its flow, per
 * connector and each flow a route sends through it, and the queue gauges per flow. Label values
 * come from the configuration only, never from what a client sends.
 */
final class MetricDeclarations {
    private static final List<String> TLS_VERIFIED = Arrays.stream(TlsOutcome.Verified.values())
            .map(TlsOutcome.Verified::label).toList();

    private MetricDeclarations() {
    }

    static void declare(Telemetry telemetry, GatewayConfig config, DeliveryScheduler scheduler) {
        for (ListenerConfig listener : config.listeners()) {
            telemetry.declareListener(listener.name(), listener.flow());
        }
        for (String flow : config.flows()) {
            telemetry.gauge("portcullis.queue.messages", "messages in the queue", List.of("flow", flow),
                    scheduler, s -> s.queued(flow));
            telemetry.gauge("portcullis.queue.oldest.age.seconds", "age of the oldest queued message",
                    List.of("flow", flow), scheduler, s -> s.oldestAgeSeconds(flow));
        }
        connectorFlows(config).forEach((connector, flows) -> {
            boolean smtp = !(connector instanceof ConnectorConfig.Drop);
            flows.forEach(flow -> telemetry.declareConnector(connector.name(), flow, smtp ? TLS_VERIFIED : List.of()));
        });
    }

    /** Each connector with the flows a route sends through it (a route without {@code flows:} takes every flow). */
    private static Map<ConnectorConfig, Set<String>> connectorFlows(GatewayConfig config) {
        Map<ConnectorConfig, Set<String>> flows = new LinkedHashMap<>();
        for (RouteConfig route : config.routes().routes()) {
            config.connectors().stream().filter(c -> c.name().equals(route.connector())).findFirst()
                    .ifPresent(connector -> flows.computeIfAbsent(connector, c -> new LinkedHashSet<>())
                            .addAll(route.flows().isEmpty() ? config.flows() : route.flows()));
        }
        return flows;
    }
}
