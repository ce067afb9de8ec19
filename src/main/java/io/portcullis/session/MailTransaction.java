package io.portcullis.session;

import io.portcullis.smtp.MailParameters;
import io.portcullis.smtp.Mailbox;
import io.portcullis.smtp.RecipientParameters;
import io.portcullis.smtp.Reply;
import io.portcullis.spool.Envelope;
import io.portcullis.spool.IncomingMessage;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * One mail transaction (RFC 5321 §3.3): from MAIL to the end of DATA or BDAT LAST, or RSET.
 * It owns the spool file while message data arrives; {@link #close()} drops it unless committed.
 */
final class MailTransaction implements AutoCloseable {

    record AcceptedRecipient(Mailbox mailbox, RecipientParameters parameters) {
    }

    final Mailbox sender;
    final MailParameters parameters;
    final List<AcceptedRecipient> recipients = new ArrayList<>();
    IncomingMessage message;
    MessageReceiver receiver;
    /** Where message data from the wire goes: the receiver, or a bare-LF normalizer in front of it. */
    OutputStream content;
    /** A failed BDAT chunk poisons the rest of the transaction; this is the reply its chunks get. */
    Reply bdatFailure;

    MailTransaction(Mailbox sender, MailParameters parameters) {
        this.sender = sender;
        this.parameters = parameters;
    }

    boolean needsSmtpUtf8() {
        return parameters.smtpUtf8();
    }

    List<Envelope.Recipient> envelopeRecipients() {
        List<Envelope.Recipient> list = new ArrayList<>(recipients.size());
        for (AcceptedRecipient recipient : recipients) {
            list.add(new Envelope.Recipient(recipient.mailbox().toString(),
                    recipient.parameters().notifyOn().stream().map(Enum::name).sorted().toList(),
                    recipient.parameters().originalRecipient()));
        }
        return list;
    }

    @Override
    public void close() {
        if (message != null) {
            message.close();
            message = null;
        }
    }
}
