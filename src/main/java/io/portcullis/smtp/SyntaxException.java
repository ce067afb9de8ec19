package io.portcullis.smtp;

/**
 * Input that does not follow the grammar, or uses an extension we do not offer. The message says
 * which rule it broke and goes into the reply text.
 */
public final class SyntaxException extends Exception {

    /** Which reply fits: bad syntax (501) or a well-formed parameter we do not support (555). */
    public enum Kind { SYNTAX, UNSUPPORTED }

    private final Kind kind;

    public SyntaxException(String message) {
        this(Kind.SYNTAX, message);
    }

    public SyntaxException(Kind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
