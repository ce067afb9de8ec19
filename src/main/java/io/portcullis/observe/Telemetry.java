package io.portcullis.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.jmx.JmxConfig;
import io.micrometer.jmx.JmxMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.portcullis.smtp.Reply;
import io.portcullis.spool.Envelope;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToDoubleFunction;

/**
 * Where sessions and delivery report what happens. Each method updates the counters (labelled by
 * listener and flow, or connector and flow) and, for message events, writes the tracking log.
 * Metric names follow Prometheus conventions once exported: {@code portcullis.messages.received}
 * becomes {@code portcullis_messages_received_total}.
 */
public final class Telemetry implements AutoCloseable {
    private final PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JmxMeterRegistry jmx = new JmxMeterRegistry(JmxConfig.DEFAULT, io.micrometer.core.instrument.Clock.SYSTEM);
    private final CompositeMeterRegistry registry = new CompositeMeterRegistry();
    private final TrackingLog tracking;
    private final HourlyAggregates aggregates;
    private final ConcurrentHashMap<String, AtomicInteger> activeConnections = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Instant> certificateExpiries = new ConcurrentHashMap<>();
    private volatile ProcessMetrics process;
    private final String node;

    /** Without a node: no {@code node} label, tracking events and mail-log lines without one (tools, tests). */
    public Telemetry(TrackingLog tracking, HourlyAggregates aggregates) {
        this(tracking, aggregates, null);
    }
    private volatile TrackingSink shared;

    /**
     * @param tracking   the tracking log, or null to keep none
     * @param aggregates the persistent hourly figures for reports, or null to keep none
     * @param node       this node's {@code node-id}: a {@code node} label on every metric, a {@code node}
     *                   field in every tracking event, {@code node=} on mail-log lines without a queue id
     *                   (a queue id names its node itself); null for none
     */
    public Telemetry(TrackingLog tracking, HourlyAggregates aggregates, String node) {
        this.tracking = tracking;
        this.aggregates = aggregates;
        this.node = node;
        if (node != null) { // before the first meter, so every one carries it
            prometheus.config().commonTags("node", node);
            jmx.config().commonTags("node", node);
        }
        registry.add(prometheus);
        registry.add(jmx);
    }

    /** This node's id, or null. */
    public String node() {
        return node;
    }

    public static Telemetry none() {
        return new Telemetry(null, null);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** Binds the JVM and process metrics and {@code portcullis_build_info} (once; the running gateway calls it). */
    public synchronized void bindProcessMetrics() {
        if (process == null) {
            process = new ProcessMetrics(registry);
        }
    }

    /**
     * The reasons the session itself refuses for (protocol errors, limits, AUTH, relay, local
     * errors), registered at zero for every listener by {@link #declareListener}. Reasons of the
     * configured checks appear at their first refusal; nothing a client sends ever becomes a label.
     */
    public static final List<String> SESSION_REJECT_REASONS = List.of("protocol", "size", "recipients", "session-limit",
            "auth", "relay", "local-error");

    /**
     * Registers at zero the counters of one listener, so that {@code rate()} and alerts see a series
     * from start rather than after the first event: connections, received messages, recipients and
     * bytes, refusals for {@link #SESSION_REJECT_REASONS}, AUTH results, STARTTLS, accept errors,
     * connections refused at the connection limits, and the active-session gauge. Idempotent; called at start and at every reload.
     */
    public void declareListener(String listener, String flow) {
        counter("portcullis.connections", "SMTP connections accepted", "listener", listener, "flow", flow);
        active(listener, flow);
        counter("portcullis.messages.received", "messages accepted and queued", "listener", listener, "flow", flow);
        counter("portcullis.recipients.received", "recipients of accepted messages", "listener", listener, "flow", flow);
        receivedBytes(listener, flow);
        for (String reason : SESSION_REJECT_REASONS) {
            counter("portcullis.rejects", "commands and messages refused", "listener", listener, "flow", flow,
                    "reason", reason);
        }
        for (String result : List.of("success", "failure")) {
            counter("portcullis.auth", "AUTH attempts", "listener", listener, "flow", flow, "result", result);
        }
        for (String resumed : List.of("true", "false")) {
            counter("portcullis.tls.sessions", "sessions that completed STARTTLS", "listener", listener, "flow", flow,
                    "resumed", resumed);
        }
        counter("portcullis.accept.errors", "failed accepts of new connections (the listener backs off)",
                "listener", listener, "flow", flow);
        for (String limit : List.of("max-connections", "max-connections-per-ip")) {
            counter("portcullis.connections.refused", "connections refused before the greeting",
                    "listener", listener, "flow", flow, "reason", limit);
        }
    }

    /**
     * Registers at zero the delivery counters of one connector for one flow it serves (delivered,
     * deferred, bounced, expired, attempts, the latency timer), and for an SMTP connector
     * {@code portcullis_delivery_tls_total} for each of {@code tlsVerified} (empty for a drop folder).
     */
    public void declareConnector(String connector, String flow, List<String> tlsVerified) {
        for (String event : List.of("DELIVER", "DEFER", "BOUNCE", "EXPIRE")) {
            counter(outcomeCounter(event), "recipients " + event.toLowerCase() + "ed by connector",
                    "connector", connector, "flow", flow);
        }
        deliveryLatency(connector, flow);
        counter("portcullis.delivery.attempts", "delivery attempts (one per message and connector)",
                "connector", connector, "flow", flow);
        for (String verified : tlsVerified) {
            counter("portcullis.delivery.tls", "SMTP delivery attempts by how TLS was verified",
                    "connector", connector, "flow", flow, "verified", verified);
        }
    }

    /** Writes out buffered tracking lines now (before a search in this process). */
    public void flushTracking() {
        if (tracking != null) {
            tracking.flush();
        }
    }

    /** The counters regrouped by flow, connector and listener, for the dashboard. */
    public Summary summary() {
        return Summary.of(prometheus);
    }

    /** The current values in the Prometheus text format. */
    public String scrape() {
        return prometheus.scrape();
    }

    /**
     * Registers a gauge computed on demand, e.g. the queue length of one flow. A call with the same
     * name and tags and another source replaces the gauge (a reload builds new connectors: the gauge
     * must read the new one, not the closed one Micrometer would otherwise keep reading).
     */
    public synchronized <T> void gauge(String name, String description, List<String> tags, T source,
                                       ToDoubleFunction<T> value) {
        String key = name + "\0" + String.join("\0", tags);
        Object previous = gaugeSources.put(key, source);
        if (previous == source) {
            return;
        }
        io.micrometer.core.instrument.Gauge.Builder<T> builder = io.micrometer.core.instrument.Gauge
                .builder(name, source, value).description(description).tags(tags.toArray(String[]::new));
        if (previous != null) {
            registry.remove(builder.register(registry));
        }
        builder.register(registry);
    }

    /** The source each gauge reads, by name and tags (strongly held: Micrometer keeps only a weak reference). */
    private final Map<String, Object> gaugeSources = new java.util.HashMap<>();

    // ---- connections

    public void connectionOpened(String listener, String flow) {
        counter("portcullis.connections", "SMTP connections accepted", "listener", listener, "flow", flow).increment();
        active(listener, flow).incrementAndGet();
    }

    /** A session starts with a client (after the connection limits and any PROXY header): the mail log's connect line. */
    public void sessionStarted(String listener, String client) {
        MailLog.connect(listener, client, node);
    }

    public void connectionClosed(String listener, String flow) {
        active(listener, flow).decrementAndGet();
    }

    private AtomicInteger active(String listener, String flow) {
        return activeConnections.computeIfAbsent(listener + "\0" + flow, key -> {
            AtomicInteger count = new AtomicInteger();
            io.micrometer.core.instrument.Gauge.builder("portcullis.connections.active", count, AtomicInteger::get)
                    .description("SMTP sessions in progress").tags("listener", listener, "flow", flow).register(registry);
            return count;
        });
    }

    public void connectionRefused(String listener, String flow, String reason) {
        counter("portcullis.connections.refused", "connections refused before the greeting",
                "listener", listener, "flow", flow, "reason", reason).increment();
    }

    /** accept() failed (out of file descriptors, out of memory for sockets, ...); the listener backs off and retries. */
    public void acceptFailed(String listener, String flow) {
        counter("portcullis.accept.errors", "failed accepts of new connections (the listener backs off)",
                "listener", listener, "flow", flow).increment();
    }

    /** A STARTTLS handshake completed; {@code resumed} when the client resumed an earlier session (ticket or id). */
    public void tlsStarted(String listener, String flow, boolean resumed) {
        counter("portcullis.tls.sessions", "sessions that completed STARTTLS", "listener", listener, "flow", flow,
                "resumed", Boolean.toString(resumed)).increment();
    }

    /**
     * The expiry of each listener's TLS certificate, as seconds left (negative once expired):
     * {@code portcullis_tls_certificate_expiry_seconds{listener}}. Replaces the previous set, so a
     * reload that drops a listener's TLS drops its gauge.
     */
    public synchronized void certificateExpiries(Map<String, Instant> notAfterByListener) {
        certificateExpiries.keySet().removeIf(listener -> {
            if (notAfterByListener.containsKey(listener)) {
                return false;
            }
            registry.find("portcullis.tls.certificate.expiry").tag("listener", listener).gauges().forEach(registry::remove);
            return true;
        });
        notAfterByListener.forEach((listener, notAfter) -> {
            if (certificateExpiries.put(listener, notAfter) == null) {
                io.micrometer.core.instrument.Gauge.builder("portcullis.tls.certificate.expiry", certificateExpiries,
                                expiries -> secondsLeft(expiries.get(listener)))
                        .description("seconds until the listener's TLS certificate expires").baseUnit("seconds")
                        .tags("listener", listener).register(registry);
            }
        });
    }

    private static double secondsLeft(Instant notAfter) {
        return notAfter == null ? Double.NaN : Duration.between(Instant.now(), notAfter).toSeconds();
    }

    public void authenticated(String listener, String flow, boolean success) {
        counter("portcullis.auth", "AUTH attempts", "listener", listener, "flow", flow,
                "result", success ? "success" : "failure").increment();
    }

    /** A failed AUTH, for the mail log (fail2ban): the user name the client gave (null if none), never the password. */
    public void authenticationFailed(String listener, String client, String user, String mechanism) {
        MailLog.authFailure(listener, client, user, mechanism, node);
    }

    // ---- receiving

    /** A command or message refused; for message-level refusals the facts go to the tracking log too. */
    public void rejected(String listener, String flow, String reason, Reply reply, String client, String sender,
                         List<String> recipients) {
        rejected(listener, flow, reason, reply, new Refused(client, null, sender, recipients, null, null));
    }

    /**
     * Who and what a refusal was about, for the tracking log: the client, its HELO name, the
     * envelope so far (with the refused recipient at RCPT), and the policy phase and check that
     * refused (null for a protocol error or a limit).
     */
    public record Refused(String client, String helo, String sender, List<String> recipients, String phase, String check) {
    }

    /** A command, message or connection refused: counted by reason, and written to the tracking log. */
    public void rejected(String listener, String flow, String reason, Reply reply, Refused refused) {
        counter("portcullis.rejects", "commands and messages refused", "listener", listener, "flow", flow,
                "reason", reason).increment();
        aggregate(Instant.now(), flow, f -> f.rejects.merge(reason, 1L, Long::sum));
        MailLog.reject(listener, reason, reply, refused, node);
        track(new TrackingEvent(Instant.now(), "REJECT", null, null, listener, flow, refused.client(), refused.sender(),
                refused.recipients(), null, null, null, reply.toString(), reason, refused.helo(), refused.phase(),
                refused.check(), null));
    }

    /**
     * A policy check's verdict: {@code portcullis_policy_verdicts_total{listener,flow,phase,check,result}},
     * result one of accept, allow, score, warn, skip, filter-skipped, reject, tempfail, disconnect.
     */
    public void policyVerdict(String listener, String flow, String phase, String check, String result) {
        counter("portcullis.policy.verdicts", "verdicts of the policy checks, per phase, check and result",
                "listener", listener, "flow", flow, "phase", phase, "check", check, "result", result).increment();
    }

    /**
     * A DNS list query a policy check sent (answers from its cache are not counted):
     * {@code portcullis_dnsbl_lookups_total{check,zone,result}}, result one of listed, clear, timeout, error.
     */
    public void dnsListLookup(String check, String zone, String result) {
        counter("portcullis.dnsbl.lookups", "DNS list queries of the policy checks, per zone and result",
                "check", check, "zone", zone, "result", result).increment();
    }

    /**
     * A shared-state store (Redis) did not answer in time or failed, so the feature fell back to its
     * {@code on-failure} behaviour: {@code portcullis_shared_state_failures_total{feature}}, feature
     * one of rate-limits, auth-throttle, greylisting, circuit-breakers, dnsbl-cache. Declared at zero for every Redis-backed feature.
     */
    public void sharedStateFailure(String feature) {
        sharedStateFailures(feature).increment();
    }

    /** Registers the shared-state failure counter of {@code feature} at zero. */
    public void declareSharedState(String feature) {
        sharedStateFailures(feature);
    }

    private Counter sharedStateFailures(String feature) {
        return counter("portcullis.shared.state.failures",
                "shared-state (Redis) calls that failed or timed out, per feature", "feature", feature);
    }

    public void received(Envelope envelope) {
        String listener = envelope.listener();
        String flow = envelope.flow();
        counter("portcullis.messages.received", "messages accepted and queued", "listener", listener, "flow", flow).increment();
        counter("portcullis.recipients.received", "recipients of accepted messages", "listener", listener, "flow", flow)
                .increment(envelope.recipients().size());
        receivedBytes(listener, flow).record(envelope.size());
        aggregate(envelope.arrival(), flow, f -> {
            f.messages++;
            f.recipients += envelope.recipients().size();
            f.bytes += envelope.size();
        });
        MailLog.queued(envelope);
        List<String> recipients = envelope.recipients().stream().map(Envelope.Recipient::address).toList();
        track(new TrackingEvent(envelope.arrival(), "RECEIVE", envelope.queueId(), envelope.messageId(), listener, flow,
                envelope.client().address(), envelope.sender(), recipients, envelope.size(), null, null, null, null));
        track(new TrackingEvent(Instant.now(), "QUEUE", envelope.queueId(), envelope.messageId(), listener, flow, null,
                envelope.sender(), recipients, envelope.size(), null, null, null, null));
    }

    private DistributionSummary receivedBytes(String listener, String flow) {
        return meter("portcullis.received.bytes", () -> DistributionSummary.builder("portcullis.received.bytes")
                .baseUnit("bytes").description("size of accepted messages").tags("listener", listener, "flow", flow)
                .register(registry), "listener", listener, "flow", flow);
    }

    // ---- delivery

    /** One recipient's outcome of one attempt: DELIVER, DEFER, BOUNCE or EXPIRE. */
    public void deliveryOutcome(String event, Envelope envelope, String recipient, String connector, String remoteHost,
                                String reply) {
        deliveryOutcome(event, envelope, recipient, connector, remoteHost, reply, null);
    }

    /** As above, with how the attempt used TLS ({@code tls} in the tracking event), or null. */
    public void deliveryOutcome(String event, Envelope envelope, String recipient, String connector, String remoteHost,
                                String reply, String tls) {
        String flow = envelope.flow();
        String label = connector == null ? "none" : connector;
        counter(outcomeCounter(event), "recipients " + event.toLowerCase() + "ed by connector", "connector", label, "flow", flow).increment();
        aggregate(Instant.now(), flow, f -> {
            switch (event) {
                case "DELIVER" -> f.delivered++;
                case "DEFER" -> f.deferred++;
                case "BOUNCE" -> f.bounced++;
                default -> f.expired++;
            }
        });
        if (event.equals("DELIVER")) {
            deliveryLatency(label, flow).record(Duration.between(envelope.arrival(), Instant.now()));
        }
        MailLog.delivery(event, envelope, recipient, connector, remoteHost, reply);
        track(new TrackingEvent(Instant.now(), event, envelope.queueId(), envelope.messageId(), envelope.listener(), flow,
                null, envelope.sender(), List.of(recipient), envelope.size(), connector, remoteHost, reply, null, null, null, null, tls));
    }

    private static String outcomeCounter(String event) {
        return switch (event) {
            case "DELIVER" -> "portcullis.delivered";
            case "DEFER" -> "portcullis.deferred";
            case "BOUNCE" -> "portcullis.bounced";
            default -> "portcullis.expired";
        };
    }

    private Timer deliveryLatency(String connector, String flow) {
        return meter("portcullis.delivery.latency", () -> Timer.builder("portcullis.delivery.latency")
                .description("arrival to delivery, per recipient").tags("connector", connector, "flow", flow)
                .publishPercentileHistogram().register(registry), "connector", connector, "flow", flow);
    }

    /**
     * One SMTP delivery attempt's TLS: {@code verified} is dane, sts, ca, unverified, none, or
     * failed (the destination's TLS policy could not be met and nothing was sent).
     */
    public void deliveryTls(String connector, String flow, String verified) {
        counter("portcullis.delivery.tls", "SMTP delivery attempts by how TLS was verified",
                "connector", connector, "flow", flow, "verified", verified).increment();
    }

    public void deliveryAttempt(String connector, String flow) {
        counter("portcullis.delivery.attempts", "delivery attempts (one per message and connector)",
                "connector", connector, "flow", flow).increment();
    }

    // ---- content checks

    /** One run of a content check: its result (accept, reject, timeout, error, circuit-open, ...) and time. */
    public void contentChecked(String listener, String check, String result, long nanos) {
        counter("portcullis.content.checks", "content check runs by result", "listener", listener, "check", check,
                "result", result).increment();
        this.<io.micrometer.core.instrument.Timer>meter("portcullis.content.check.duration",
                () -> io.micrometer.core.instrument.Timer.builder("portcullis.content.check.duration")
                        .description("time one content check took").tags("check", check).register(registry), "check", check)
                .record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /** HOLD, RELEASE or DELETE by an administrator; QUARANTINE by a content check. */
    public void administered(String event, Envelope envelope, String reason) {
        MailLog.administered(event, envelope, reason);
        track(new TrackingEvent(Instant.now(), event, envelope.queueId(), envelope.messageId(), envelope.listener(),
                envelope.flow(), null, envelope.sender(), envelope.recipients().stream().map(Envelope.Recipient::address).toList(),
                envelope.size(), null, null, null, reason));
    }

    /** Meters by name and tags, so the hot path does not rebuild and look them up for every event. */
    private final ConcurrentHashMap<String, io.micrometer.core.instrument.Meter> meters = new ConcurrentHashMap<>();

    @SuppressWarnings("unchecked")
    private <M extends io.micrometer.core.instrument.Meter> M meter(String name, java.util.function.Supplier<M> create,
                                                                   String... tags) {
        return (M) meters.computeIfAbsent(name + "\0" + String.join("\0", tags), key -> create.get());
    }

    private Counter counter(String name, String description, String... tags) {
        return meter(name, () -> Counter.builder(name).description(description).tags(tags).register(registry), tags);
    }

    private void aggregate(Instant when, String flow, java.util.function.Consumer<HourlyAggregates.HourFigures> change) {
        if (aggregates != null) {
            aggregates.record(when, flow, change);
        }
    }

    private void track(TrackingEvent event) {
        if (tracking != null) {
            tracking.write(node == null || event.node() != null ? event : event.withNode(node));
        }
        TrackingSink sink = shared;
        if (sink != null) {
            sink.write(event);
        }
    }

    /** From now on, every tracking event also goes to {@code sink} (the shared database), or to none if null. */
    public void shareTracking(TrackingSink sink) {
        this.shared = sink;
    }

    @Override
    public void close() throws Exception {
        if (process != null) {
            process.close();
        }
        jmx.close();
        prometheus.close();
        if (tracking != null) {
            tracking.close();
        }
        if (aggregates != null) {
            aggregates.close();
        }
    }
}
