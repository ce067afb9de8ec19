package io.portcullis.config;

import java.util.List;

/**
 * The whole configuration.
 *
 * @param source   where it came from, for messages ("portcullis.yaml" or "embedded default")
 * @param hostname this gateway's name: banner and Received header default
 */
public record GatewayConfig(String source, String hostname, SpoolConfig spool, List<ListenerConfig> listeners) {
    public GatewayConfig {
        listeners = List.copyOf(listeners);
    }
}
