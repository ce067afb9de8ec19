package io.portcullis.delivery;

import io.portcullis.spool.DeliveryRecord;
import io.portcullis.spool.Envelope;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The scheduler's view of one queued message: the envelope, the recipients still open, and when
 * to try next. Rebuilt from the envelope and the delivery journal at start-up, so it survives a
 * restart. Guarded by its own monitor: the dispatcher, a delivery thread and queue commands all
 * touch it.
 */
final class QueuedMessage {
    /** The reply text of a SCHEDULED record written by queue retry/release: not an attempt. */
    static final String MANUAL = "scheduled by an administrator";

    final Envelope envelope;
    private final Map<String, Envelope.Recipient> open = new LinkedHashMap<>();
    private final Map<String, String> lastReplies = new LinkedHashMap<>();
    private int attempts;
    private Instant nextAttempt;
    private boolean held;
    private boolean warned;
    private boolean inProgress;
    private boolean removed;

    QueuedMessage(Envelope envelope, List<DeliveryRecord> journal) {
        this.envelope = envelope;
        for (Envelope.Recipient recipient : envelope.recipients()) {
            open.putIfAbsent(recipient.address(), recipient);
        }
        nextAttempt = Instant.now();
        held = envelope.quarantine() != null; // quarantined at receipt: held until a RELEASED record
        for (DeliveryRecord record : journal) {
            if (record.isFinal()) {
                open.remove(record.recipient());
            }
            switch (record.type()) {
                case DEFERRED -> lastReplies.put(record.recipient(), record.reply());
                case SCHEDULED -> {
                    if (!MANUAL.equals(record.reply())) {
                        attempts++;
                    }
                    nextAttempt = record.next();
                }
                case HELD -> held = true;
                case RELEASED -> held = false;
                case WARNED -> warned = true;
                default -> {
                }
            }
        }
    }

    String id() {
        return envelope.queueId();
    }

    synchronized List<Envelope.Recipient> openRecipients() {
        return new ArrayList<>(open.values());
    }

    synchronized boolean isDone() {
        return open.isEmpty();
    }

    synchronized void close(String recipient) {
        open.remove(recipient);
    }

    synchronized void deferred(String recipient, String reply) {
        lastReplies.put(recipient, reply);
    }

    /** Claims the message for one delivery attempt; false when held, busy, removed or not due. */
    synchronized boolean claim(Instant due) {
        if (held || inProgress || removed || !due.equals(nextAttempt)) {
            return false;
        }
        inProgress = true;
        return true;
    }

    synchronized void finishAttempt() {
        inProgress = false;
    }

    synchronized Instant scheduleNext(Instant when, boolean countAttempt) {
        if (countAttempt) {
            attempts++;
        }
        nextAttempt = when;
        return when;
    }

    synchronized int attempts() {
        return attempts;
    }

    synchronized Instant nextAttempt() {
        return nextAttempt;
    }

    synchronized boolean isHeld() {
        return held;
    }

    synchronized void setHeld(boolean held) {
        this.held = held;
    }

    synchronized boolean isInProgress() {
        return inProgress;
    }

    synchronized boolean warned() {
        return warned;
    }

    synchronized void setWarned() {
        warned = true;
    }

    synchronized void markRemoved() {
        removed = true;
    }

    /** The last temporary failure of any open recipient, for queue listings. */
    synchronized String lastError() {
        for (String recipient : open.keySet()) {
            String reply = lastReplies.get(recipient);
            if (reply != null) {
                return reply;
            }
        }
        return null;
    }
}
