package io.portcullis.spool;

import java.time.Instant;

/**
 * One line of a message's delivery journal ({@code queue/ID.dlv}), appended and fsync'd as
 * delivery goes on. The envelope never changes; the journal says what became of each recipient.
 *
 * @param type       what happened
 * @param recipient  the recipient concerned, or null for message-level records
 * @param reply      the reply that decided it ("250 2.0.0 Ok"), or the reason
 * @param remoteHost the host that gave the reply, or null
 * @param next       for {@code SCHEDULED}: the next attempt
 * @param tls        how the attempt used TLS ("TLSv1.3 TLS_AES_256_GCM_SHA384 verified=dane",
 *                   "none", "failed"), or null where no SMTP connection was tried
 */
public record DeliveryRecord(Type type, Instant time, String recipient, String reply, String remoteHost,
                             String connector, Instant next, String tls) {

    public DeliveryRecord(Type type, Instant time, String recipient, String reply, String remoteHost,
                          String connector, Instant next) {
        this(type, time, recipient, reply, remoteHost, connector, next, null);
    }

    public enum Type {
        /** The recipient's next hop accepted the message (or the drop folder has it): final. */
        DELIVERED,
        /** The recipient failed permanently and its DSN is queued: final. */
        BOUNCED,
        /** The message outlived the queue lifetime for this recipient and its DSN is queued: final. */
        EXPIRED,
        /** The recipient was dropped by an administrator without a DSN: final. */
        DELETED,
        /** The attempt for this recipient failed temporarily. */
        DEFERRED,
        /** After an attempt: when the next one is due. */
        SCHEDULED,
        /** An administrator held the message: no attempts until released. */
        HELD,
        RELEASED,
        /** The delay warning DSN for this recipient is queued. */
        WARNED
    }

    public boolean isFinal() {
        return type == Type.DELIVERED || type == Type.BOUNCED || type == Type.EXPIRED || type == Type.DELETED;
    }

    public static DeliveryRecord of(Type type, String recipient, String reply) {
        return new DeliveryRecord(type, Instant.now(), recipient, reply, null, null, null);
    }
}
