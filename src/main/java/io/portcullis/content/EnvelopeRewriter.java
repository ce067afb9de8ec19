package io.portcullis.content;

import io.portcullis.spool.Envelope;
import java.util.ArrayList;
import java.util.List;

/** Applies a check's envelope edits: a new sender, recipients added (without DSN options) and removed. */
final class EnvelopeRewriter {
    private EnvelopeRewriter() {
    }

    static Envelope apply(Envelope envelope, MessageEdits.EnvelopeEdits edits) {
        List<Envelope.Recipient> recipients = new ArrayList<>(envelope.recipients());
        recipients.removeIf(r -> edits.removeRecipients().stream().anyMatch(a -> a.equalsIgnoreCase(r.address())));
        for (String added : edits.addRecipients()) {
            if (recipients.stream().noneMatch(r -> r.address().equalsIgnoreCase(added))) {
                recipients.add(new Envelope.Recipient(added, List.of(), null));
            }
        }
        Envelope changed = envelope.withRecipients(recipients);
        return edits.sender() != null ? changed.withSender(edits.sender()) : changed;
    }
}
