package io.portcullis.config;

import java.util.List;
import java.util.Optional;

/**
 * The whole configuration.
 *
 * @param source   where it came from, for messages ("portcullis.yaml" or "embedded default")
 * @param hostname this gateway's name: banner and Received header default, bounce sender domain
 */
public record GatewayConfig(String source, String hostname, SpoolConfig spool, List<ListenerConfig> listeners,
                            RouteTable routes, List<ConnectorConfig> connectors, DeliveryConfig delivery,
                            Directory directory) {
    public GatewayConfig {
        listeners = List.copyOf(listeners);
        connectors = List.copyOf(connectors);
    }

    public Optional<ConnectorConfig> connector(String name) {
        return connectors.stream().filter(c -> c.name().equals(name)).findFirst();
    }
}
