package io.portcullis.policy;

import io.portcullis.smtp.Reply;

/** What a check decided. */
public sealed interface Verdict {

    /** Go on. */
    record Accept() implements Verdict {
    }

    /**
     * Refuse with this reply; {@code reason} is the counter and log label ("relay", "spoof",
     * "send-as", "recipient-unknown", "access", "auth").
     */
    record Reject(Reply reply, String reason) implements Verdict {
    }

    Verdict ACCEPT = new Accept();

    static Verdict reject(Reply reply, String reason) {
        return new Reject(reply, reason);
    }
}
