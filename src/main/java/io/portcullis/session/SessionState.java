package io.portcullis.session;

/** Where a session stands; the command table lists the states each command is allowed in. */
public enum SessionState {
    /** Greeting sent; the client must say EHLO or HELO first. */
    GREETED,
    /** EHLO/HELO done, no mail transaction open. */
    READY,
    /** MAIL accepted, no recipient yet. */
    MAIL,
    /** At least one recipient accepted: DATA or BDAT may follow. */
    RCPT,
    /** BDAT chunks received, LAST not yet. */
    BDAT
}
