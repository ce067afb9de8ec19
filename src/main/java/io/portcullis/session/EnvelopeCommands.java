package io.portcullis.session;

import io.portcullis.smtp.EsmtpParameters;
import io.portcullis.smtp.MailParameters;
import io.portcullis.smtp.Mailbox;
import io.portcullis.smtp.PathParser;
import io.portcullis.smtp.RecipientParameters;
import io.portcullis.smtp.Replies;
import io.portcullis.smtp.Reply;
import io.portcullis.smtp.SyntaxException;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MAIL and RCPT (RFC 5321 §4.1.1.2, §4.1.1.3): disk space, syntax and parameters, then the
 * listener's {@code mail} and {@code rcpt} phase checks ({@link PolicyPhases}), and the transaction
 * they build.
 */
final class EnvelopeCommands {
    private static final Logger log = LoggerFactory.getLogger(EnvelopeCommands.class);

    private final SmtpSession session;

    EnvelopeCommands(SmtpSession session) {
        this.session = session;
    }

    void mail(String argument) throws IOException {
        if (!session.context.spool().hasFreeSpace()) {
            log.warn("{}: spool disk below its free-space minimum, refusing MAIL", session.context.listener().name());
            session.send(Replies.INSUFFICIENT_STORAGE);
            return;
        }
        PathParser.ParsedPath path;
        try {
            path = PathParser.parseMailFrom(argument);
        } catch (SyntaxException e) {
            session.error(Replies.BAD_SENDER_SYNTAX.append("(" + e.getMessage() + ")"));
            return;
        }
        MailParameters parameters = parameters(path.parameterText(), MailParameters::from, MailParameters.NONE);
        if (parameters == null) {
            return;
        }
        if (parameters.size() != null && parameters.size() > session.limits.maxMessageSize()) {
            session.countRejection(Replies.MESSAGE_TOO_BIG, "size");
            session.send(Replies.MESSAGE_TOO_BIG);
            return;
        }
        if (path.mailbox() != null && path.mailbox().needsSmtpUtf8() && !parameters.smtpUtf8()) {
            session.error(Replies.NON_ASCII_WITHOUT_SMTPUTF8);
            return;
        }
        if (session.phases.mail(path.mailbox())) {
            return;
        }
        session.transaction = new MailTransaction(path.mailbox(), parameters);
        session.state = SessionState.MAIL;
        session.send(Replies.SENDER_OK);
    }

    void rcpt(String argument) throws IOException {
        if (session.transaction.recipients.size() >= session.limits.maxRecipients()) {
            session.countRejection(Replies.TOO_MANY_RECIPIENTS, "recipients");
            session.send(Replies.TOO_MANY_RECIPIENTS);
            return;
        }
        PathParser.ParsedPath path;
        try {
            path = PathParser.parseRcptTo(argument);
        } catch (SyntaxException e) {
            session.error(Replies.BAD_RECIPIENT_SYNTAX.append("(" + e.getMessage() + ")"));
            return;
        }
        RecipientParameters parameters = parameters(path.parameterText(), RecipientParameters::from,
                RecipientParameters.NONE);
        if (parameters == null) {
            return;
        }
        Mailbox recipient = path.mailbox();
        if (recipient.needsSmtpUtf8() && !session.transaction.needsSmtpUtf8()) {
            session.error(Replies.NON_ASCII_WITHOUT_SMTPUTF8);
            return;
        }
        if (session.phases.rcpt(recipient, path.sourceRouted())) {
            return;
        }
        session.transaction.recipients.add(new MailTransaction.AcceptedRecipient(recipient, parameters));
        session.state = SessionState.RCPT;
        session.send(Replies.RECIPIENT_OK);
    }

    private interface ParameterReader<T> {
        T read(EsmtpParameters parameters) throws SyntaxException;
    }

    /** Parses and interprets MAIL/RCPT parameters; replies and returns null when they are bad. */
    private <T> T parameters(String text, ParameterReader<T> reader, T none) throws IOException {
        if (text.isEmpty()) {
            return none;
        }
        try {
            if (!session.client.esmtp) {
                throw new SyntaxException(SyntaxException.Kind.UNSUPPORTED, "parameters need EHLO");
            }
            EsmtpParameters parsed = EsmtpParameters.parse(text);
            if (parsed.has("AUTH") && session.auth.isOffered()) {
                parsed = parsed.without("AUTH"); // RFC 4954 §5: accepted; we do not trust what it claims
            }
            return reader.read(parsed);
        } catch (SyntaxException e) {
            Reply reply = e.kind() == SyntaxException.Kind.UNSUPPORTED
                    ? Replies.UNSUPPORTED_PARAMETER : Replies.SYNTAX_ERROR_IN_PARAMETERS;
            session.error(reply.withText(reply.lines().getFirst() + " (" + e.getMessage() + ")"));
            return null;
        }
    }
}
