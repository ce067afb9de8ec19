package io.portcullis.smtp;

/**
 * Watches message content for what RFC 5321 §2.3.8 and §4.5.3.1.6 forbid: CR or LF other than as
 * a CRLF pair, NUL, and lines longer than a limit. It only records; the caller decides the reply
 * once the whole message has been read, so the session stays in step with the client.
 *
 * <p>Works on content split anywhere, one call per piece.
 */
public final class LineDiscipline {

    /** A violation seen in the content, first one found wins. */
    public enum Violation { NONE, BARE_LINE_END, NUL, LINE_TOO_LONG }

    private final int maxLineLength;
    private boolean afterCr;
    private int lineLength;
    private Violation violation = Violation.NONE;

    public LineDiscipline(int maxLineLength) {
        this.maxLineLength = maxLineLength;
    }

    public void check(byte[] content, int offset, int length) {
        int end = offset + length;
        for (int i = offset; i < end; i++) {
            byte b = content[i];
            if (b == '\n') {
                if (!afterCr) {
                    record(Violation.BARE_LINE_END);
                }
                afterCr = false;
                lineLength = 0;
                continue;
            }
            if (afterCr) {
                record(Violation.BARE_LINE_END);
            }
            if (b == '\r') {
                afterCr = true;
                continue;
            }
            afterCr = false;
            if (b == 0) {
                record(Violation.NUL);
            }
            if (++lineLength > maxLineLength) {
                record(Violation.LINE_TOO_LONG);
            }
        }
    }

    /** The first violation, counting a CR left dangling at the very end of the content. */
    public Violation finish() {
        if (afterCr) {
            record(Violation.BARE_LINE_END);
        }
        return violation;
    }

    private void record(Violation found) {
        if (violation == Violation.NONE) {
            violation = found;
        }
    }
}
