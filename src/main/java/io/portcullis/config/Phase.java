package io.portcullis.config;

import java.util.Locale;

/**
 * The points of a session where policy decides, in order. {@code DATA} is the end of the message
 * data (after the last octet, before the content chain); {@code CONNECT} is before the greeting.
 */
public enum Phase {
    CONNECT, HELO, MAIL, RCPT, DATA;

    /** The name in the configuration and in counters: {@code connect}, {@code helo}, ... */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
