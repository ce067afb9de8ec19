package io.portcullis.quarantine;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;

/**
 * One line of an entry's state journal ({@code ID.q}, JSON lines, each forced before it is acted
 * on). The first line is always {@link Type#HELD}: why and by what the message was held; later
 * lines record what became of recipients.
 *
 * @param at         when
 * @param actor      who: {@code content-check} for HELD, else the administrator ({@code cli},
 *                   {@code admin-api 127.0.0.1}) or {@code sweeper}
 * @param recipients the recipients this line is about (all of them for HELD)
 * @param reason     HELD: the holding check's reason as given ({@code header-check: bulk mailer})
 * @param score      HELD: the spam score the message carried (X-Spam-Score), or null
 * @param subject    HELD: the Subject, printable and cut to 200 characters, or null
 * @param queueId    RELEASED: the id the released copy was queued under
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record QuarantineRecord(Type type, Instant at, String actor, List<String> recipients, String reason,
                               Double score, String subject, String queueId) {

    public enum Type { HELD, RELEASED, DELETED }

    public QuarantineRecord {
        recipients = recipients == null ? List.of() : List.copyOf(recipients);
    }
}
