package io.portcullis.delivery;

import io.portcullis.smtp.Reply;

/**
 * A next hop that cannot take mail in this connection: refused greeting, EHLO/HELO failure, TLS
 * or AUTH trouble. Carries the reply to record for every recipient; the caller may try the next
 * host when the reply is temporary.
 */
class NextHopException extends Exception {
    private final Reply reply;

    NextHopException(Reply reply) {
        super(reply.toString(), null, false, false);
        this.reply = reply;
    }

    Reply reply() {
        return reply;
    }
}
