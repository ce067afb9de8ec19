package io.portcullis.spool;

import java.time.Instant;
import java.util.List;

/**
 * Everything the SMTP transaction told us about a message besides its content: who sent it, over
 * which listener and flow, with what protection, and to whom. Stored as JSON beside the message.
 *
 * @param sender        the reverse-path without brackets; empty for the null sender {@code <>}
 * @param size          octets of the stored message, including the Received header we added
 * @param declaredSize  the SIZE parameter, or null
 * @param body          BODY parameter: 7BIT or 8BITMIME
 * @param dsnReturn     RET: FULL, HDRS or null
 * @param dsnEnvelopeId ENVID decoded, or null
 * @param quarantine    why a content check held the message at receipt, or null; a held message is
 *                      not delivered until released (the release is a journal record)
 */
public record Envelope(
        int version,
        String queueId,
        String listener,
        String flow,
        Instant arrival,
        Client client,
        String sender,
        Long declaredSize,
        String body,
        boolean smtpUtf8,
        String dsnReturn,
        String dsnEnvelopeId,
        List<Recipient> recipients,
        long size,
        String messageId,
        String quarantine) {

    public static final int CURRENT_VERSION = 1;

    public Envelope {
        recipients = List.copyOf(recipients);
    }

    /** The same envelope for content that changed size, e.g. after a content check added headers. */
    public Envelope withSize(long newSize) {
        return new Envelope(version, queueId, listener, flow, arrival, client, sender, declaredSize, body, smtpUtf8,
                dsnReturn, dsnEnvelopeId, recipients, newSize, messageId, quarantine);
    }

    /** The same envelope with other recipients (those of one delivery, or after a milter's changes). */
    public Envelope withRecipients(List<Recipient> newRecipients) {
        return new Envelope(version, queueId, listener, flow, arrival, client, sender, declaredSize, body, smtpUtf8,
                dsnReturn, dsnEnvelopeId, newRecipients, size, messageId, quarantine);
    }

    public Envelope withSender(String newSender) {
        return new Envelope(version, queueId, listener, flow, arrival, client, newSender, declaredSize, body, smtpUtf8,
                dsnReturn, dsnEnvelopeId, recipients, size, messageId, quarantine);
    }

    public Envelope quarantined(String reason) {
        return new Envelope(version, queueId, listener, flow, arrival, client, sender, declaredSize, body, smtpUtf8,
                dsnReturn, dsnEnvelopeId, recipients, size, messageId, reason);
    }

    /**
     * The connection the message came in on.
     *
     * @param authenticatedAs the SMTP AUTH identity, or null
     */
    public record Client(String address, int port, String helo, String protocol, String tlsProtocol,
                         String tlsCipher, String authenticatedAs) {
    }

    /**
     * One envelope recipient.
     *
     * @param notifyOn            NOTIFY values; empty when the client gave none
     * @param originalRecipient ORCPT as "type;address", or null
     */
    public record Recipient(String address, List<String> notifyOn, String originalRecipient) {
        public Recipient {
            notifyOn = List.copyOf(notifyOn);
        }
    }
}
