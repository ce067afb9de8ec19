package io.portcullis.policy;

import io.portcullis.config.Phase;
import io.portcullis.smtp.HeaderScanner;
import io.portcullis.smtp.Mailbox;
import java.util.List;

/**
 * What a check may know when it runs: the phase, the client, and the transaction so far. Facts
 * not known yet in a phase are null (no HELO name before {@code helo}, no sender before
 * {@code mail}, the recipient only at {@code rcpt}, the header originators only at {@code data}).
 *
 * @param client       address and authenticated user
 * @param trusted      authenticated or from the listener's relay networks
 * @param helo         the EHLO/HELO argument, or null
 * @param tls          the session is under TLS
 * @param sender       the envelope sender; null for the null sender, and before MAIL
 * @param recipient    at {@code rcpt}: the address being checked
 * @param sourceRouted at {@code rcpt}: the client gave a source route ({@code <@x:a@b>})
 * @param recipients   the accepted recipients so far
 * @param originators  at {@code data}: the header From:/Sender: as read while the message streamed
 * @param message      at {@code data}: the message as written to the spool (our Received: field first),
 *                     to read, never to change; null elsewhere
 * @param session      the session's policy state: score, allow-listing, per-check attachments
 */
public record PhaseInput(Phase phase, String listener, ClientFacts client, boolean trusted, String helo, boolean tls,
                         Mailbox sender, Mailbox recipient, boolean sourceRouted, List<Mailbox> recipients,
                         HeaderScanner.Originators originators, java.nio.file.Path message,
                         PhaseSession session) {
}
