package io.portcullis.delivery;

import io.portcullis.smtp.Reply;

/**
 * What one delivery attempt did for one recipient. Every recipient handed to a connector gets
 * exactly one result, whatever went wrong.
 *
 * @param remoteHost the host that gave the reply ("mx1.example.org[192.0.2.1]:25"), or null
 * @param dsnHandled true when the next hop accepted the DSN request, so we must not send a
 *                   success notification ourselves (RFC 3461 §4.1)
 * @param tls        how the attempt used TLS ({@link TlsOutcome#describe()}), or null where no
 *                   SMTP connection was tried (a drop folder, no route)
 */
public record RecipientResult(String recipient, Outcome outcome, Reply reply, String remoteHost, boolean dsnHandled,
                              String tls) {

    public RecipientResult(String recipient, Outcome outcome, Reply reply, String remoteHost, boolean dsnHandled) {
        this(recipient, outcome, reply, remoteHost, dsnHandled, null);
    }

    public enum Outcome { DELIVERED, DEFERRED, FAILED }

    public static RecipientResult of(String recipient, Reply reply, String remoteHost) {
        Outcome outcome = reply.isPositive() ? Outcome.DELIVERED : reply.isTransient() ? Outcome.DEFERRED : Outcome.FAILED;
        return new RecipientResult(recipient, outcome, reply, remoteHost, false);
    }

    /** The same reply for every recipient, e.g. when the next hop could not be reached at all. */
    public static java.util.List<RecipientResult> allOf(java.util.List<io.portcullis.spool.Envelope.Recipient> recipients,
                                                        Reply reply, String remoteHost) {
        return recipients.stream().map(r -> of(r.address(), reply, remoteHost)).toList();
    }

    public RecipientResult withTls(TlsOutcome outcome) {
        return new RecipientResult(recipient, this.outcome, reply, remoteHost, dsnHandled, outcome.describe());
    }

    public String replyText() {
        return reply.toString();
    }
}
