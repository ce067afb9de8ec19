package io.portcullis.config;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * One SMTP virtual server.
 *
 * @param flow     the tag every message received here carries (inbound, outbound, ...)
 * @param hostname the name in the banner, EHLO reply and Received header
 * @param tls      null when STARTTLS is not offered
 * @param policy   who may connect, authenticate, relay and send as whom
 * @param content  the content chain run on every message before 250 (no steps for none) and its MIME limits
 * @param phases   the policy checks at each phase of a session, built-in and defined
 */
public record ListenerConfig(String name, String flow, List<InetSocketAddress> bind, String hostname,
                             TlsConfig tls, ListenerLimits limits, ListenerPolicy policy,
                             ContentChainConfig content, ListenerPhases phases) {
    public ListenerConfig {
        bind = List.copyOf(bind);
    }
}
