package io.portcullis.content;

import io.portcullis.smtp.Reply;

/**
 * What one check, or the whole chain, decides about a message. A check never throws to say no;
 * it throws only when it could not decide (scanner unreachable, protocol error), which the chain
 * turns into the step's failure mode.
 */
public sealed interface ContentVerdict {
    /** Go on, with the changes the check asks for (none for {@link MessageEdits#NONE}). */
    record Accept(MessageEdits edits) implements ContentVerdict {
    }

    /** Refuse in the session with a 5xx reply; {@code reason} tags counters and the tracking log. */
    record Reject(Reply reply, String reason) implements ContentVerdict {
    }

    /** Refuse with a 4xx reply: the client tries again later. */
    record Tempfail(Reply reply, String reason) implements ContentVerdict {
    }

    /** Accept and commit, but held: no delivery until an administrator releases it. */
    record Quarantine(String reason, MessageEdits edits) implements ContentVerdict {
    }

    /** Answer 250 and drop the message (a milter's DISCARD). */
    record Discard(String reason) implements ContentVerdict {
    }

    ContentVerdict ACCEPT = new Accept(MessageEdits.NONE);
}
