package io.portcullis.config;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * How the queue is worked.
 *
 * @param retrySchedule    waits between attempts; the last one repeats until the lifetime ends
 * @param delayWarning     age at which the sender gets a "delayed" DSN, or null for none
 * @param maxDeliveries    deliveries in progress at once, across all connectors
 * @param resolver         DNS server for MX lookups, or null for the system's resolvers
 * @param bounceContentLimit with RET=FULL, the most of the original message a bounce returns
 * @param queueOnly        accept and queue, but attempt delivery only when an administrator says
 *                         {@code queue retry} (Exim's queue_only): for maintenance windows and for
 *                         looking at what arrives before it goes anywhere
 * @param dnssecTrustAnchors for DANE: a file of DS or DNSKEY records to validate DNSSEC with in
 *                         process (dnsjava), or null to trust the AD bit of {@code resolver}, which
 *                         must then be on loopback
 */
public record DeliveryConfig(List<Duration> retrySchedule, Duration maxQueueLifetime, Duration delayWarning,
                             int maxDeliveries, InetSocketAddress resolver, long bounceContentLimit, boolean queueOnly,
                             java.nio.file.Path dnssecTrustAnchors) {
    public static final List<Duration> DEFAULT_RETRY = List.of(Duration.ofMinutes(1), Duration.ofMinutes(5),
            Duration.ofMinutes(15), Duration.ofMinutes(30), Duration.ofHours(1));

    public DeliveryConfig {
        retrySchedule = List.copyOf(retrySchedule);
    }

    public DeliveryConfig(List<Duration> retrySchedule, Duration maxQueueLifetime, Duration delayWarning, int maxDeliveries,
                          InetSocketAddress resolver, long bounceContentLimit, boolean queueOnly) {
        this(retrySchedule, maxQueueLifetime, delayWarning, maxDeliveries, resolver, bounceContentLimit, queueOnly, null);
    }

    /** The wait after attempt number {@code attempts} (1 after the first failure). */
    public Duration retryAfter(int attempts) {
        return retrySchedule.get(Math.min(Math.max(attempts, 1), retrySchedule.size()) - 1);
    }
}
