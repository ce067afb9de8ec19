package io.portcullis.session;


import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * The command table: every command the server knows, the states it is allowed in, and whether it
 * must end a pipelined group (RFC 2920 §3.1). Sequence errors come from here, not from flags
 * scattered over the handlers.
 */
public enum Command {
    EHLO(EnumSet.allOf(SessionState.class), true),
    HELO(EnumSet.allOf(SessionState.class), true),
    MAIL(EnumSet.of(SessionState.READY), false),
    RCPT(EnumSet.of(SessionState.MAIL, SessionState.RCPT), false),
    DATA(EnumSet.of(SessionState.RCPT), true),
    BDAT(EnumSet.of(SessionState.RCPT, SessionState.BDAT), false),
    RSET(EnumSet.allOf(SessionState.class), false),
    NOOP(EnumSet.allOf(SessionState.class), false),
    QUIT(EnumSet.allOf(SessionState.class), true),
    VRFY(EnumSet.allOf(SessionState.class), false),
    HELP(EnumSet.allOf(SessionState.class), false),
    STARTTLS(EnumSet.of(SessionState.READY), true),
    AUTH(EnumSet.of(SessionState.READY), false);

    private final Set<SessionState> allowedIn;
    private final boolean endsPipelineGroup;

    Command(Set<SessionState> allowedIn, boolean endsPipelineGroup) {
        this.allowedIn = allowedIn;
        this.endsPipelineGroup = endsPipelineGroup;
    }

    public boolean isAllowedIn(SessionState state) {
        return allowedIn.contains(state);
    }

    /**
     * EHLO, HELO, DATA, STARTTLS, QUIT: the client must wait for the reply before sending more.
     * Input already waiting behind one of them is a protocol violation (behind STARTTLS it is
     * discarded instead, RFC 3207 §4.2).
     */
    public boolean endsPipelineGroup() {
        return endsPipelineGroup;
    }

    /** The command named by the first word of a line, or null when unknown. */
    public static Command lookup(String verb) {
        try {
            return valueOf(verb.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The reply text for this command sent in the wrong state. */
    String sequenceError(SessionState state) {
        if (state == SessionState.GREETED && this != STARTTLS && this != AUTH) {
            return "Send EHLO or HELO first";
        }
        return switch (this) {
            case MAIL -> state == SessionState.BDAT ? "Finish BDAT with LAST first" : "Nested MAIL command";
            case RCPT -> "Need MAIL command first";
            case DATA -> state == SessionState.MAIL ? "Need RCPT command first"
                    : state == SessionState.BDAT ? "DATA is not allowed after BDAT" : "Need MAIL and RCPT commands first";
            case BDAT -> state == SessionState.MAIL ? "Need RCPT command first" : "Need MAIL and RCPT commands first";
            case STARTTLS, AUTH -> state == SessionState.GREETED ? "Send EHLO first" : name() + " is not allowed in a mail transaction";

            default -> "Bad sequence of commands";
        };
    }
}
