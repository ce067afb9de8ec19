package io.portcullis.delivery;

import io.portcullis.spool.Envelope;
import io.portcullis.spool.StoredMessage;
import java.util.List;

/** One message for some of its recipients, all routed to the same connector. */
public record DeliveryJob(Envelope envelope, StoredMessage message, List<Envelope.Recipient> recipients) {
    public DeliveryJob {
        recipients = List.copyOf(recipients);
    }
}
