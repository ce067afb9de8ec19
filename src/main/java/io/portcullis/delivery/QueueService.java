package io.portcullis.delivery;

import io.portcullis.smtp.Replies;
import io.portcullis.smtp.Reply;
import io.portcullis.spool.DeliveryRecord;
import io.portcullis.spool.Envelope;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;

/**
 * What an administrator can do to the queue, in the spirit of postqueue and postsuper: list, show,
 * retry, hold, release, delete, bounce. The one service layer behind the CLI (over the control
 * socket, or directly when no gateway runs) and, later, the admin API. Every change is journaled
 * before it takes effect in memory.
 */
public final class QueueService {
    private final DeliveryScheduler scheduler;

    public QueueService(DeliveryScheduler scheduler) {
        this.scheduler = scheduler;
    }

    /** One line of {@code queue list}. */
    public record Entry(String id, Instant arrival, long ageSeconds, long size, String flow, String listener,
                        String sender, List<String> recipients, int attempts, Instant nextAttempt, boolean held,
                        boolean inProgress, String lastError) {
    }

    /** {@code queue show}: the entry, the whole envelope and the journal. */
    public record Details(Entry entry, Envelope envelope, List<DeliveryRecord> journal) {
    }

    /** The outcome of a command on one message. */
    public record Result(String id, boolean done, String message) {
    }

    public List<Entry> list(Predicate<Entry> filter) {
        return scheduler.messages().stream().map(QueueService::entry).filter(filter)
                .sorted(Comparator.comparing(Entry::arrival)).toList();
    }

    public Details show(String id) throws IOException {
        QueuedMessage message = scheduler.message(id);
        if (message == null) {
            return null;
        }
        return new Details(entry(message), message.envelope, scheduler.spool().readJournal(id));
    }

    public Result retry(String id) throws IOException {
        QueuedMessage message = scheduler.message(id);
        if (message == null) {
            return notQueued(id);
        }
        if (message.isHeld()) {
            return new Result(id, false, "held: release it first");
        }
        scheduler.dueNow(message, true);
        return new Result(id, true, "scheduled for immediate delivery");
    }

    public List<Result> retryAll() throws IOException {
        List<Result> results = new ArrayList<>();
        for (QueuedMessage message : scheduler.messages()) {
            results.add(retry(message.id()));
        }
        return results;
    }

    /** The ids of the queued messages the query selects, oldest first. */
    public List<String> select(QueueQuery query) {
        return list(query.predicate()).stream().map(Entry::id).toList();
    }

    /**
     * {@code queue flush [DOMAIN]}: every message that is not held and has an open recipient in the
     * domain (any, without one) is due now, like {@code postqueue -f} and {@code postqueue -s}.
     */
    public List<Result> flush(String domain) throws IOException {
        String suffix = domain == null ? null : "@" + domain.toLowerCase(java.util.Locale.ROOT);
        List<Result> results = new ArrayList<>();
        for (Entry entry : list(e -> !e.held() && (suffix == null
                || e.recipients().stream().anyMatch(r -> r.toLowerCase(java.util.Locale.ROOT).endsWith(suffix))))) {
            results.add(retry(entry.id()));
        }
        return results;
    }

    public Result hold(String id) throws IOException {
        QueuedMessage message = scheduler.message(id);
        if (message == null) {
            return notQueued(id);
        }
        scheduler.spool().appendJournal(id, List.of(DeliveryRecord.of(DeliveryRecord.Type.HELD, null, null)));
        message.setHeld(true);
        scheduler.telemetry().administered("HOLD", message.envelope, "admin");
        return new Result(id, true, message.isInProgress() ? "held after the attempt in progress" : "held");
    }

    public Result release(String id) throws IOException {
        QueuedMessage message = scheduler.message(id);
        if (message == null) {
            return notQueued(id);
        }
        if (!message.isHeld()) {
            return new Result(id, false, "not held");
        }
        scheduler.spool().appendJournal(id, List.of(DeliveryRecord.of(DeliveryRecord.Type.RELEASED, null, null)));
        message.setHeld(false);
        scheduler.telemetry().administered("RELEASE", message.envelope, "admin");
        scheduler.dueNow(message, false);
        return new Result(id, true, "released");
    }

    /** Removes the message without telling the sender. */
    public Result delete(String id) throws IOException {
        return end(id, DeliveryRecord.Type.DELETED, Replies.DELETED_BY_ADMIN, false);
    }

    /** Returns the message to its sender with a DSN for every open recipient, then removes it. */
    public Result bounce(String id) throws IOException {
        return end(id, DeliveryRecord.Type.BOUNCED, Replies.BOUNCED_BY_ADMIN, true);
    }

    private Result end(String id, DeliveryRecord.Type type, Reply reply, boolean notify) throws IOException {
        QueuedMessage message = scheduler.message(id);
        if (message == null) {
            return notQueued(id);
        }
        if (message.isInProgress()) {
            return new Result(id, false, "a delivery attempt is in progress; hold it, then try again");
        }
        List<RecipientResult> results = RecipientResult.allOf(message.openRecipients(), reply, null);
        if (notify) {
            scheduler.notifications().afterAttempt(message.envelope, scheduler.spool().message(id), results,
                    scheduler.recipientsByAddress(message.envelope));
        }
        List<DeliveryRecord> records = results.stream()
                .map(r -> DeliveryRecord.of(type, r.recipient(), r.replyText())).toList();
        scheduler.spool().appendJournal(id, records);
        if (type == DeliveryRecord.Type.BOUNCED) {
            results.forEach(r -> scheduler.telemetry().deliveryOutcome("BOUNCE", message.envelope, r.recipient(), null, null,
                    r.replyText()));
        } else {
            scheduler.telemetry().administered("DELETE", message.envelope, "admin");
        }
        scheduler.forget(message);
        return new Result(id, true, type == DeliveryRecord.Type.BOUNCED ? "returned to the sender" : "deleted");
    }

    private static Result notQueued(String id) {
        return new Result(id, false, "no such message in the queue");
    }

    private static Entry entry(QueuedMessage message) {
        Envelope envelope = message.envelope;
        return new Entry(envelope.queueId(), envelope.arrival(), Duration.between(envelope.arrival(), Instant.now()).toSeconds(),
                envelope.size(), envelope.flow(), envelope.listener(), envelope.sender(),
                message.openRecipients().stream().map(Envelope.Recipient::address).toList(), message.attempts(),
                message.nextAttempt(), message.isHeld(), message.isInProgress(),
                message.lastError() == null && message.isHeld() && envelope.quarantine() != null
                        ? "quarantined: " + envelope.quarantine() : message.lastError());
    }
}
