package io.portcullis.delivery;

import io.portcullis.smtp.Replies;
import io.portcullis.config.DeliveryConfig;
import io.portcullis.config.RouteConfig;
import io.portcullis.config.RouteTable;
import io.portcullis.observe.Telemetry;
import io.portcullis.spool.DeliveryRecord;
import io.portcullis.spool.Envelope;
import io.portcullis.spool.StoredMessage;
import io.portcullis.spool.Spool;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Works the queue. Every committed message is handed over in memory the moment the spool commits
 * it; at start-up the queue is rebuilt from the spool. A new message's first attempt starts on a
 * virtual thread straight from the commit when a delivery slot is free; otherwise, and for every
 * retry, one dispatcher thread takes messages as they fall due and starts each attempt on a
 * virtual thread (at most {@code max-deliveries} at once).
 *
 * <p>An attempt routes every open recipient to its connector, delivers, and then, in this order:
 * queues the DSNs the results call for, appends the results to the journal (fsync), and removes
 * the message when no recipient is open. So a crash can repeat a delivery or a DSN whose record was
 * not yet written, never lose one. Open recipients are retried on the configured schedule until
 * the queue lifetime ends; then they expire with a DSN.
 */
public final class DeliveryScheduler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DeliveryScheduler.class);

    private final Spool spool;
    private volatile RouteTable routes;
    private volatile DeliveryConfig config;
    private volatile Map<String, Connector> connectors;
    private final Notifications notifications;
    private final ConcurrentHashMap<String, QueuedMessage> messages = new ConcurrentHashMap<>();
    private final DelayQueue<Due> due = new DelayQueue<>();
    private final Semaphore slots;
    private Thread dispatcher;
    private volatile boolean working;
    private volatile boolean closed;

    private final Telemetry telemetry;

    public DeliveryScheduler(Spool spool, RouteTable routes, DeliveryConfig config, Map<String, Connector> connectors,
                             String hostname, Telemetry telemetry) {
        this.spool = spool;
        this.telemetry = telemetry;
        this.routes = routes;
        this.config = config;
        this.connectors = Map.copyOf(connectors);
        this.notifications = new Notifications(spool, hostname, config.bounceContentLimit());
        this.slots = new Semaphore(config.maxDeliveries());
    }

    /** Loads the queue from the spool and starts working it; new commits are handed over from now on. */
    public void start() throws IOException {
        load();
        dispatcher = Thread.ofPlatform().name("delivery-dispatcher").daemon().start(this::dispatch);
        working = true;
    }

    /**
     * Loads the queue without working it: what {@code portcullis queue} does when no gateway is
     * running, so queue commands act on the same state through the same code.
     */
    public void load() throws IOException {
        spool.onCommit(this::accept);
        for (String id : spool.queuedIds()) {
            try {
                QueuedMessage message = new QueuedMessage(spool.readEnvelope(id), spool.readJournal(id));
                messages.put(id, message);
                due.add(new Due(id, message.nextAttempt(), false));
            } catch (IOException e) {
                log.error("queue: cannot load {}: {} (left in the spool)", id, e.toString());
            }
        }
        log.info("queue: {} messages to deliver", messages.size());
    }

    private void accept(Envelope envelope) {
        QueuedMessage message = new QueuedMessage(envelope, List.of());
        messages.put(envelope.queueId(), message);
        Instant at = message.nextAttempt();
        if (working && !closed && !config.queueOnly() && slots.tryAcquire()) {
            if (message.claim(at)) { // held (quarantined) messages are not claimed
                startAttempt(message); // no hand-off through the dispatcher thread
                return;
            }
            slots.release();
        }
        due.add(new Due(envelope.queueId(), at, false));
    }

    private void dispatch() {
        long lastHousekeeping = System.nanoTime();
        while (!closed) {
            try {
                Due next = due.poll(200, TimeUnit.MILLISECONDS);
                if (System.nanoTime() - lastHousekeeping > TimeUnit.SECONDS.toNanos(1)) {
                    connectors.values().forEach(Connector::closeIdleConnections);
                    lastHousekeeping = System.nanoTime();
                }
                if (next == null) {
                    continue;
                }
                QueuedMessage message = messages.get(next.id);
                if (message == null || (config.queueOnly() && !next.forced) || !message.claim(next.at)) {
                    continue;
                }
                slots.acquire();
                startAttempt(message);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Runs a claimed attempt on its own virtual thread, which gives back the slot taken for it. */
    private void startAttempt(QueuedMessage message) {
        Thread.ofVirtual().name("delivery-" + message.id()).start(() -> {
            try {
                attempt(message);
            } catch (RuntimeException e) {
                log.error("queue: attempt for {} failed unexpectedly", message.id(), e);
                reschedule(message, Instant.now().plus(config.retryAfter(1)), false);
            } finally {
                message.finishAttempt();
                slots.release();
            }
        });
    }

    private void attempt(QueuedMessage message) {
        RouteTable routes = this.routes;
        Map<String, Connector> connectors = this.connectors;
        Envelope envelope = message.envelope;
        StoredMessage file;
        try {
            file = spool.message(message.id());
        } catch (IOException e) {
            log.error("queue: message file of {} is unreadable: {}", message.id(), e.toString());
            reschedule(message, Instant.now().plus(config.retryAfter(1)), false);
            return;
        }
        List<RecipientResult> results = new ArrayList<>();
        Map<String, List<Envelope.Recipient>> byConnector = new LinkedHashMap<>();
        for (Envelope.Recipient recipient : message.openRecipients()) {
            Optional<RouteConfig> route = routes.find(envelope.flow(), domainOf(recipient.address()));
            if (route.isEmpty() || !connectors.containsKey(route.get().connector())) {
                results.add(RecipientResult.of(recipient.address(), Replies.NO_ROUTE, null));
            } else {
                byConnector.computeIfAbsent(route.get().connector(), c -> new ArrayList<>()).add(recipient);
            }
        }
        Map<String, String> connectorOf = new LinkedHashMap<>();
        for (var group : byConnector.entrySet()) {
            Connector connector = connectors.get(group.getKey());
            group.getValue().forEach(r -> connectorOf.put(r.address(), connector.name()));
            telemetry.deliveryAttempt(connector.name(), envelope.flow());
            results.addAll(connector.deliver(new DeliveryJob(envelope, file, group.getValue())));
        }
        record(message, file, results, connectorOf);
    }

    /** Acts on an attempt's results: DSNs first, then the journal, then removal or the next attempt. */
    private void record(QueuedMessage message, StoredMessage file, List<RecipientResult> results,
                        Map<String, String> connectorOf) {
        Envelope envelope = message.envelope;
        Map<String, Envelope.Recipient> byAddress = new LinkedHashMap<>();
        envelope.recipients().forEach(r -> byAddress.putIfAbsent(r.address(), r));
        Instant now = Instant.now();
        try {
            notifications.afterAttempt(envelope, file, results, byAddress);
            List<DeliveryRecord> records = new ArrayList<>();
            for (RecipientResult result : results) {
                DeliveryRecord.Type type = switch (result.outcome()) {
                    case DELIVERED -> DeliveryRecord.Type.DELIVERED;
                    case FAILED -> DeliveryRecord.Type.BOUNCED;
                    case DEFERRED -> DeliveryRecord.Type.DEFERRED;
                };
                records.add(new DeliveryRecord(type, now, result.recipient(), result.replyText(), result.remoteHost(),
                        connectorOf.get(result.recipient()), null, result.tls()));
                telemetry.deliveryOutcome(switch (type) {
                    case DELIVERED -> "DELIVER";
                    case BOUNCED -> "BOUNCE";
                    default -> "DEFER";
                }, envelope, result.recipient(), connectorOf.get(result.recipient()), result.remoteHost(), result.replyText(),
                        result.tls());
                log.info("{}: to=<{}> connector={} relay={} tls={} status={} ({})", message.id(), result.recipient(),
                        connectorOf.getOrDefault(result.recipient(), "none"), result.remoteHost(),
                        result.tls() == null ? "-" : result.tls(), type.name().toLowerCase(), result.replyText());
            }
            boolean allDelivered = results.stream().allMatch(r -> r.outcome() == RecipientResult.Outcome.DELIVERED)
                    && results.size() == message.openRecipients().size();
            if (!allDelivered) {
                spool.appendJournal(message.id(), records); // all delivered: the removal below says it (see Spool)
            }
            for (RecipientResult result : results) {
                if (result.outcome() == RecipientResult.Outcome.DEFERRED) {
                    message.deferred(result.recipient(), result.replyText());
                } else {
                    message.close(result.recipient());
                }
            }
            if (message.isDone()) {
                finish(message);
                return;
            }
            Duration age = Duration.between(envelope.arrival(), now);
            if (age.compareTo(config.maxQueueLifetime()) >= 0) {
                expire(message, byAddress);
                return;
            }
            if (config.delayWarning() != null && age.compareTo(config.delayWarning()) >= 0 && !message.warned()) {
                notifications.delayed(envelope, spool.message(message.id()), message.openRecipients(), results);
                spool.appendJournal(message.id(), List.of(DeliveryRecord.of(DeliveryRecord.Type.WARNED, null, null)));
                message.setWarned();
            }
            reschedule(message, now.plus(config.retryAfter(message.attempts() + 1)), true);
        } catch (IOException e) {
            log.error("queue: cannot record the results for {}: {}; retrying later", message.id(), e.toString());
            reschedule(message, now.plus(config.retryAfter(1)), false);
        }
    }

    private void expire(QueuedMessage message, Map<String, Envelope.Recipient> byAddress) throws IOException {
        List<RecipientResult> expired = RecipientResult.allOf(message.openRecipients(), Replies.EXPIRED, null);
        notifications.afterAttempt(message.envelope, spool.message(message.id()), expired, byAddress);
        List<DeliveryRecord> records = new ArrayList<>();
        for (RecipientResult result : expired) {
            records.add(DeliveryRecord.of(DeliveryRecord.Type.EXPIRED, result.recipient(), result.replyText()));
            message.close(result.recipient());
            log.info("{}: to=<{}> status=expired ({})", message.id(), result.recipient(), result.replyText());
            telemetry.deliveryOutcome("EXPIRE", message.envelope, result.recipient(), null, null, result.replyText());
        }
        spool.appendJournal(message.id(), records);
        finish(message);
    }

    private void finish(QueuedMessage message) throws IOException {
        message.markRemoved();
        messages.remove(message.id());
        spool.remove(message.id());
        log.debug("{}: removed", message.id());
    }

    private void reschedule(QueuedMessage message, Instant next, boolean countAttempt) {
        if (countAttempt) {
            try {
                spool.appendJournal(message.id(), List.of(new DeliveryRecord(DeliveryRecord.Type.SCHEDULED, Instant.now(),
                        null, null, null, null, next)));
            } catch (IOException e) {
                log.error("queue: cannot journal the next attempt of {}: {}", message.id(), e.toString());
            }
        }
        due.add(new Due(message.id(), message.scheduleNext(next, countAttempt), false));
    }

    /**
     * Takes new routes, connectors and delivery settings (a reload). Attempts in progress finish
     * with what they started with; the old connectors then close their idle connections.
     * {@code max-deliveries} keeps its value until a restart.
     */
    public void reconfigure(RouteTable newRoutes, DeliveryConfig newConfig, Map<String, Connector> newConnectors) {
        Map<String, Connector> old = connectors;
        routes = newRoutes;
        config = newConfig;
        connectors = Map.copyOf(newConnectors);
        old.values().forEach(Connector::close);
    }

    /** The domain a recipient routes by; null for the bare postmaster. */
    static String domainOf(String address) {
        int at = address.lastIndexOf('@');
        return at < 0 ? null : address.substring(at + 1);
    }

    Collection<QueuedMessage> messages() {
        return messages.values();
    }

    QueuedMessage message(String id) {
        return messages.get(id);
    }

    /**
     * Makes a message due now; {@code forced} (queue retry) runs it even with queue-only. The new
     * time is journaled, so a retry asked for while no gateway runs happens at its next start.
     */
    void dueNow(QueuedMessage message, boolean forced) throws IOException {
        Instant now = Instant.now();
        spool.appendJournal(message.id(), List.of(new DeliveryRecord(DeliveryRecord.Type.SCHEDULED, now, null,
                QueuedMessage.MANUAL, null, null, now)));
        due.add(new Due(message.id(), message.scheduleNext(now, false), forced));
    }

    Telemetry telemetry() {
        return telemetry;
    }

    /** Messages queued per flow and the age of the oldest, for the queue gauges. */
    public long queued(String flow) {
        return messages.values().stream().filter(m -> m.envelope.flow().equals(flow)).count();
    }

    public double oldestAgeSeconds(String flow) {
        Instant now = Instant.now();
        return messages.values().stream().filter(m -> m.envelope.flow().equals(flow))
                .mapToDouble(m -> Duration.between(m.envelope.arrival(), now).toMillis() / 1000.0).max().orElse(0);
    }

    Spool spool() {
        return spool;
    }

    Notifications notifications() {
        return notifications;
    }

    void forget(QueuedMessage message) throws IOException {
        finish(message);
    }

    Map<String, Envelope.Recipient> recipientsByAddress(Envelope envelope) {
        Map<String, Envelope.Recipient> byAddress = new LinkedHashMap<>();
        envelope.recipients().forEach(r -> byAddress.putIfAbsent(r.address(), r));
        return byAddress;
    }

    /** Delivery attempts running now (for the shutdown log). */
    public int attemptsInProgress() {
        return Math.max(0, config.maxDeliveries() - slots.availablePermits());
    }

    /**
     * Stops starting attempts, closes the connectors (which ends the attempts' connections), and
     * waits up to 10 s for the running attempts to record their outcome, so nothing writes to the
     * spool after the gateway closed it.
     */
    @Override
    public void close() {
        closed = true;
        working = false;
        if (dispatcher != null) {
            dispatcher.interrupt();
        }
        connectors.values().forEach(Connector::close);
        try {
            if (!slots.tryAcquire(config.maxDeliveries(), 10, TimeUnit.SECONDS)) {
                log.warn("queue: {} delivery attempts still running at shutdown; their outcome is found again at the next start",
                        attemptsInProgress());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * An entry in the timetable; stale entries (the message was rescheduled since) are skipped.
     * {@code forced} entries come from {@code queue retry} and run even with queue-only.
     */
    private record Due(String id, Instant at, boolean forced) implements Delayed {
        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(Duration.between(Instant.now(), at));
        }

        @Override
        public int compareTo(Delayed other) {
            return at.compareTo(((Due) other).at);
        }
    }
}
