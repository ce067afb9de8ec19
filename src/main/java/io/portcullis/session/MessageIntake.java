package io.portcullis.session;

import io.portcullis.config.ListenerPolicy;
import io.portcullis.config.Phase;
import io.portcullis.content.ContentChain;
import io.portcullis.content.ContentVerdict;
import io.portcullis.smtp.DotDataDecoder;
import io.portcullis.smtp.HeaderScanner;
import io.portcullis.smtp.LineDiscipline;
import io.portcullis.smtp.LineFeedNormalizer;
import io.portcullis.smtp.MailParameters;
import io.portcullis.smtp.Replies;
import io.portcullis.smtp.Reply;
import io.portcullis.spool.Envelope;
import io.portcullis.spool.IncomingMessage;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Message data into the spool: DATA (RFC 5321 §4.1.1.4) and BDAT (RFC 3030). Content streams to
 * the spool file as it arrives; the verdict on the whole message (line discipline, size, hop
 * count) comes after the last octet, and {@code 250} only after the spool has committed it.
 */
final class MessageIntake {
    private static final Logger log = LoggerFactory.getLogger(MessageIntake.class);
    private static final Pattern BDAT_ARGUMENT = Pattern.compile("(\\d{1,18})( (?i:LAST))?");

    private final SmtpSession session;

    MessageIntake(SmtpSession session) {
        this.session = session;
    }

    void data(String argument) throws IOException {
        if (!argument.isEmpty()) {
            session.error(Replies.SYNTAX_ERROR_IN_PARAMETERS.withText("DATA takes no argument"));
            return;
        }
        if (!open()) {
            session.endTransaction();
            session.state = SessionState.READY;
            return;
        }
        session.send(Replies.START_MAIL_INPUT);
        session.flush();
        session.input.startIdleTimeout((int) session.limits.dataTimeout().toMillis());
        session.input.readData(new DotDataDecoder(session.transaction.content));
        finish();
    }

    /**
     * BDAT size [LAST]. The chunk is always read, even when it is refused, because the client sends
     * it without waiting (RFC 3030 §3); a failed chunk fails the rest of the transaction.
     */
    void bdat(String argument) throws IOException {
        Matcher m = BDAT_ARGUMENT.matcher(argument);
        if (!m.matches()) {
            badBdatSyntax();
            return;
        }
        long size = Long.parseLong(m.group(1));
        boolean last = m.group(2) != null;
        MailTransaction transaction = session.transaction;
        if (transaction.bdatFailure == null && transaction.message == null && !open()) {
            transaction.bdatFailure = Replies.LOCAL_ERROR;
        }
        session.state = SessionState.BDAT;
        session.input.startIdleTimeout((int) session.limits.dataTimeout().toMillis());
        if (transaction.bdatFailure != null) {
            session.input.readChunk(size, OutputStream.nullOutputStream());
            failChunk(transaction.bdatFailure, last);
            return;
        }
        session.input.readChunk(size, transaction.content);
        if (transaction.receiver.isOversized()) {
            transaction.close();
            transaction.bdatFailure = Replies.MESSAGE_TOO_BIG;
            session.countRejection(Replies.MESSAGE_TOO_BIG, "size");
            failChunk(Replies.MESSAGE_TOO_BIG, last);
        } else if (last) {
            finish();
        } else {
            session.send(Replies.CHUNK_RECEIVED.withText(size + " octets received"));
        }
    }

    /** Reads and drops the chunk of a BDAT sent in the wrong state, to stay in step. */
    void skipChunk(String argument) throws IOException {
        Matcher m = BDAT_ARGUMENT.matcher(argument);
        if (!m.matches()) {
            badBdatSyntax();
            return;
        }
        session.input.startIdleTimeout((int) session.limits.dataTimeout().toMillis());
        session.input.readChunk(Long.parseLong(m.group(1)), OutputStream.nullOutputStream());
    }

    /** Without a valid size we cannot know where the chunk ends: the only safe move is to close. */
    private void badBdatSyntax() {
        session.replyAndClose(Replies.SYNTAX_ERROR_IN_PARAMETERS.withText(
                "BDAT needs a chunk size and optional LAST, closing connection"));
    }

    private void failChunk(Reply reply, boolean last) throws IOException {
        if (last) {
            session.endTransaction();
            session.state = SessionState.READY;
        }
        session.send(reply);
    }

    /** Opens the spool file and writes our Received header; on failure replies 451 and says false. */
    private boolean open() throws IOException {
        MailTransaction transaction = session.transaction;
        try {
            transaction.message = session.context.spool().create();
            String only = transaction.recipients.size() == 1
                    ? transaction.recipients.getFirst().mailbox().toString() : null;
            byte[] received = ReceivedHeader.format(session.client, session.context.listener().hostname(),
                    session.client.receivedProtocol(transaction.needsSmtpUtf8()), transaction.message.id(), only,
                    ZonedDateTime.now(ZoneId.systemDefault()));
            transaction.message.content().write(received);
            ListenerPolicy policy = session.context.listener().policy();
            OutputStream target = transaction.message.content();
            if (policy.submissionFixups()) {
                target = new SubmissionFixups(target, () -> "Message-ID: <" + transaction.message.id() + "."
                        + SubmissionFixups.randomPart() + "@" + session.context.listener().hostname() + ">\r\n",
                        () -> "Date: " + ReceivedHeader.DATE.format(ZonedDateTime.now(ZoneId.systemDefault())) + "\r\n");
            }
            if (!policy.removeHeaders().isEmpty() || policy.removeReceived()) {
                target = new HeaderFilter(target, policy::removesHeader);
            }
            transaction.receiver = new MessageReceiver(target, session.limits.maxMessageSize(),
                    session.limits.maxLineLength(), session.limits.maxHeaderSize());
            transaction.content = policy.bareLineEnds() == ListenerPolicy.BareLineEnds.NORMALIZE
                    ? new LineFeedNormalizer(transaction.receiver) : transaction.receiver;
            return true;
        } catch (IOException e) {
            log.error("{}: cannot open a spool file: {}", session.context.listener().name(), e.toString());
            session.send(Replies.LOCAL_ERROR);
            return false;
        }
    }

    /** The verdict on a complete message, then commit and 250, or the refusal. */
    private void finish() throws IOException {
        MailTransaction transaction = session.transaction;
        MessageReceiver receiver = transaction.receiver;
        LineDiscipline.Violation violation = receiver.finishDiscipline();
        Reply reply;
        boolean clientError = false;
        String reason = null;
        if (violation != LineDiscipline.Violation.NONE) {
            reply = switch (violation) {
                case BARE_LINE_END -> Replies.BARE_LINE_END_IN_DATA;
                case NUL -> Replies.NUL_IN_DATA;
                default -> Replies.LINE_TOO_LONG_IN_DATA;
            };
            clientError = true;
            reason = "protocol";
        } else if (receiver.isOversized()) {
            reply = Replies.MESSAGE_TOO_BIG;
            reason = "size";
        } else if (receiver.headers().isTooLarge()) {
            reply = Replies.HEADER_SECTION_TOO_BIG; // refused whole: no check may look at a truncated header
            reason = "size";
        } else if (receiver.headers().isMalformed()) {
            reply = Replies.HEADER_SECTION_MALFORMED;
            reason = "header";
        } else if (receiver.headers().receivedCount() >= session.limits.maxReceivedHeaders()) {
            reply = Replies.TOO_MANY_HOPS;
            reason = "loop";
        } else if (session.phases.data(receiver.headers().originators(), dataPhaseFile(transaction, receiver))
                instanceof PolicyPhases.Refused refused) {
            session.policyRefused(Phase.DATA, refused.check(), refused.verdict(), null, null);
            session.endTransaction();
            session.state = SessionState.READY;
            return;
        } else {
            Outcome outcome = commit(transaction, receiver);
            reply = outcome.reply();
            reason = outcome.reason();
        }
        if (!reply.isPositive()) {
            log.info("{}: refused message from {}: {}", session.context.listener().name(),
                    session.client.address(), reply);
            // counted while the transaction is open, so the tracking event names sender and recipients
            session.countRejection(reply, reason == null ? "local-error" : reason);
        }
        session.endTransaction();
        session.state = SessionState.READY;
        if (reply.isPositive()) {
            session.messageAccepted();
        }
        if (clientError) {
            session.sendCountingErrors(reply); // a protocol violation counts toward max-errors
        } else {
            session.send(reply);
        }
    }

    /**
     * The written message for the data-phase checks, or null when the listener has none there
     * beyond the built-in header-from (which reads the header facts, not the file).
     */
    private java.nio.file.Path dataPhaseFile(MailTransaction transaction, MessageReceiver receiver) throws IOException {
        var checks = session.context.phases().get(Phase.DATA);
        if (checks.isEmpty() || (checks.size() == 1 && checks.getFirst().name().equals("header-from"))) {
            return null;
        }
        receiver.flushHeld();
        return transaction.message.file();
    }

    /** A reply and, for a refusal, the reason it is counted under. */
    private record Outcome(Reply reply, String reason) {
    }

    /**
     * Runs the listener's content chain over the written message, then commits it, quarantined if
     * a check said so. Nothing is committed unless the chain accepted; 250 only after the commit.
     */
    private Outcome commit(MailTransaction transaction, MessageReceiver receiver) {
        IncomingMessage message = transaction.message;
        String listener = session.context.listener().name();
        try {
            receiver.flushHeld();
        } catch (IOException e) {
            log.error("{}: cannot write message {} to the spool: {}", listener, message.id(), e.toString());
            return new Outcome(Replies.LOCAL_ERROR, "local-error");
        }
        Envelope envelope = envelope(transaction, receiver, message.size());
        ContentChain chain = session.context.content();
        if (!chain.isEmpty()) {
            ContentChain.Result result;
            try {
                result = chain.run(message, envelope);
            } catch (IOException e) {
                log.error("{}: cannot run the content chain over {}: {}", listener, message.id(), e.toString());
                return new Outcome(Replies.LOCAL_ERROR, "local-error");
            }
            envelope = result.envelope();
            switch (result.verdict()) {
                case ContentVerdict.Reject r -> {
                    return new Outcome(r.reply(), r.reason());
                }
                case ContentVerdict.Tempfail t -> {
                    return new Outcome(t.reply(), t.reason());
                }
                case ContentVerdict.Discard d -> {
                    log.info("{}: discarded {} from=<{}>: {}", listener, message.id(), envelope.sender(), d.reason());
                    return new Outcome(Replies.OK, null);
                }
                case ContentVerdict.Quarantine q -> envelope = envelope.quarantined(q.reason());
                case ContentVerdict.Accept a -> {
                }
            }
            if (envelope.recipients().isEmpty()) {
                log.info("{}: {} has no recipients left after the content chain: not queued", listener, message.id());
                return new Outcome(Replies.OK, null);
            }
        }
        try {
            message.commit(envelope);
        } catch (IOException e) {
            log.error("{}: cannot commit message {} to the spool: {}", listener, message.id(), e.toString());
            return new Outcome(Replies.LOCAL_ERROR, "local-error");
        }
        if (envelope.quarantine() != null) {
            session.context.telemetry().administered("QUARANTINE", envelope, envelope.quarantine());
        }
        log.info("{}: queued {} from=<{}> rcpts={} size={} client={}{}", listener, message.id(), envelope.sender(),
                envelope.recipients().size(), envelope.size(), session.client.address(),
                envelope.quarantine() == null ? "" : " quarantined: " + envelope.quarantine());
        return new Outcome((envelope.quarantine() == null ? Replies.QUEUED : Replies.ACCEPTED_HELD).append(message.id()), null);
    }

    private Envelope envelope(MailTransaction transaction, MessageReceiver receiver, long storedSize) {
        ClientConnection client = session.client;
        return new Envelope(Envelope.CURRENT_VERSION, transaction.message.id(), session.context.listener().name(),
                session.context.listener().flow(), Instant.now(),
                new Envelope.Client(client.address(), client.remote.getPort(), client.helo,
                        client.receivedProtocol(transaction.needsSmtpUtf8()), client.tlsProtocol, client.tlsCipher,
                        client.user == null ? null : client.user.name()),
                transaction.sender == null ? "" : transaction.sender.toString(),
                transaction.parameters.size(),
                transaction.parameters.body() == MailParameters.BodyType.EIGHT_BIT_MIME ? "8BITMIME" : "7BIT",
                transaction.parameters.smtpUtf8(),
                transaction.parameters.ret() == null ? null : transaction.parameters.ret().name(),
                transaction.parameters.envelopeId(), transaction.envelopeRecipients(), storedSize,
                receiver.headers().messageId(), null);
    }
}
