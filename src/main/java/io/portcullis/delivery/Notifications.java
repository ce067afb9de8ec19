package io.portcullis.delivery;

import io.portcullis.spool.Envelope;
import io.portcullis.spool.StoredMessage;
import io.portcullis.spool.IncomingMessage;
import io.portcullis.spool.Spool;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides which delivery status notifications an attempt calls for (RFC 3461 §4.1 NOTIFY, with
 * FAILURE,DELAY as the default) and queues them as messages of the {@code local} flow, from the
 * null sender. Mail from the null sender never gets a notification, so bounces cannot loop.
 */
final class Notifications {
    private static final Logger log = LoggerFactory.getLogger(Notifications.class);
    static final String FLOW = "local";

    private final Spool spool;
    private final String hostname;
    private final long fullContentLimit;

    Notifications(Spool spool, String hostname, long fullContentLimit) {
        this.spool = spool;
        this.hostname = hostname;
        this.fullContentLimit = fullContentLimit;
    }

    /** Failure DSNs for failed recipients, success DSNs where SUCCESS was asked and the next hop will not send one. */
    void afterAttempt(Envelope envelope, StoredMessage messageFile, List<RecipientResult> results,
                      Map<String, Envelope.Recipient> recipients) throws IOException {
        if (envelope.sender().isEmpty()) {
            return;
        }
        List<DeliveryStatusNotification.Entry> failed = new ArrayList<>();
        List<DeliveryStatusNotification.Entry> delivered = new ArrayList<>();
        List<DeliveryStatusNotification.Entry> relayed = new ArrayList<>();
        for (RecipientResult result : results) {
            Envelope.Recipient recipient = recipients.get(result.recipient());
            DeliveryStatusNotification.Entry entry = new DeliveryStatusNotification.Entry(recipient, result);
            switch (result.outcome()) {
                case FAILED -> {
                    if (wants(recipient, "FAILURE")) {
                        failed.add(entry);
                    }
                }
                case DELIVERED -> {
                    if (recipient.notifyOn().contains("SUCCESS") && !result.dsnHandled()) {
                        boolean finalDelivery = result.remoteHost() != null && result.remoteHost().startsWith("drop:");
                        (finalDelivery ? delivered : relayed).add(entry);
                    }
                }
                case DEFERRED -> {
                }
            }
        }
        queue(envelope, messageFile, DeliveryStatusNotification.Action.FAILED, failed);
        queue(envelope, messageFile, DeliveryStatusNotification.Action.DELIVERED, delivered);
        queue(envelope, messageFile, DeliveryStatusNotification.Action.RELAYED, relayed);
    }

    /** The delay warning for the recipients still open whose NOTIFY allows it. */
    void delayed(Envelope envelope, StoredMessage messageFile, List<Envelope.Recipient> open, List<RecipientResult> lastResults)
            throws IOException {
        if (envelope.sender().isEmpty()) {
            return;
        }
        List<DeliveryStatusNotification.Entry> entries = new ArrayList<>();
        for (Envelope.Recipient recipient : open) {
            if (wants(recipient, "DELAY")) {
                lastResults.stream().filter(r -> r.recipient().equals(recipient.address())).findFirst()
                        .ifPresent(result -> entries.add(new DeliveryStatusNotification.Entry(recipient, result)));
            }
        }
        queue(envelope, messageFile, DeliveryStatusNotification.Action.DELAYED, entries);
    }

    /** NOTIFY absent means FAILURE and DELAY (RFC 3461 §4.1); NEVER means nothing. */
    private static boolean wants(Envelope.Recipient recipient, String event) {
        return recipient.notifyOn().isEmpty() ? !event.equals("SUCCESS") : recipient.notifyOn().contains(event);
    }

    /** Builds and commits one notification; returns its queue id, or null when there was nothing to say. */
    String queue(Envelope original, StoredMessage messageFile, DeliveryStatusNotification.Action action,
                 List<DeliveryStatusNotification.Entry> entries) throws IOException {
        if (entries.isEmpty() || original.sender().isEmpty()) {
            return null;
        }
        byte[] content = DeliveryStatusNotification.build(hostname, original, messageFile, action, entries, fullContentLimit);
        try (IncomingMessage message = spool.create()) {
            message.content().write(content);
            Envelope envelope = new Envelope(Envelope.CURRENT_VERSION, message.id(), FLOW, FLOW, Instant.now(),
                    new Envelope.Client("127.0.0.1", 0, hostname, "LOCAL", null, null, null), "", null, "8BITMIME",
                    original.smtpUtf8(), null, null, List.of(new Envelope.Recipient(original.sender(), List.of(), null)),
                    content.length, null, null);
            message.commit(envelope);
            log.info("{}: {} notification {} queued for <{}>", original.queueId(), action.name().toLowerCase(),
                    message.id(), original.sender());
            return message.id();
        }
    }
}
