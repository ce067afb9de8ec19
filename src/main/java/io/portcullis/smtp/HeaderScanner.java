package io.portcullis.smtp;

import java.nio.charset.StandardCharsets;

/**
 * Follows the header section of a message as it streams past (RFC 5322 §2.2) and notes what the
 * receiving side needs without buffering the message, in one pass that parses the whole section:
 * <ul>
 *   <li>its size, up to and including the empty line; past {@code maxSize} it stops looking and
 *       says {@link #isTooLarge()} (the message is refused, never checked on a truncated view);</li>
 *   <li>whether every line is a header field ({@code name WSP* ":"}, the name printable US-ASCII
 *       but colon, §3.6.8 and obsolete §4.5) or a folded continuation of one (§2.2.3); a line that
 *       is neither makes the section {@link #isMalformed()}, so no parser downstream can disagree
 *       about where the header section ends;</li>
 *   <li>how many {@code Received:} fields there are (hop count, RFC 5321 §6.3) and the value of the
 *       first {@code Message-ID:};</li>
 *   <li>the originator fields {@code From:} and {@code Sender:} (§3.6.2): how many of each, the first
 *       one's unfolded value, and whether one was written in an obsolete form or is over-long.</li>
 * </ul>
 * Only CRLF ends a line; bare CR and LF are the line discipline's business.
 */
public final class HeaderScanner {

    /**
     * The originator fields as written: counts, the first value of each (null when absent), and
     * {@code irregular} when one had white space before its colon or a value over 998 octets.
     */
    public record Originators(int fromCount, String from, int senderCount, String sender, boolean irregular) {
    }

    /** Longest value kept of a field; a longer From: or Sender: is irregular (RFC 5322 §2.1.1). */
    private static final int MAX_VALUE = 998;
    private static final int NAME_BUFFER = 16;

    private enum LineState { START, EMPTY, NAME, NAME_WHITESPACE, VALUE, BAD }

    private enum Field { OTHER, RECEIVED, MESSAGE_ID, FROM, SENDER }

    private final long maxSize;
    private final byte[] name = new byte[NAME_BUFFER];
    private int nameLength;
    private boolean obsoleteName;
    private LineState state = LineState.START;
    private boolean afterCr;
    private boolean inHeaders = true;
    private boolean fieldSeen;
    private long size;
    private boolean tooLarge;
    private boolean malformed;

    private int receivedCount;
    private int fromCount;
    private int senderCount;
    private boolean irregularOriginator;
    private StringBuilder messageId;
    private StringBuilder from;
    private StringBuilder sender;
    private StringBuilder capture;
    private boolean captureIsOriginator;

    /** @param maxSize the largest header section (octets, empty line included) that is looked at */
    public HeaderScanner(long maxSize) {
        this.maxSize = maxSize;
    }

    public void scan(byte[] content, int offset, int length) {
        int end = offset + length;
        for (int i = offset; i < end && inHeaders; i++) {
            byte b = content[i];
            if (++size > maxSize) {
                tooLarge = true;
                inHeaders = false;
                return;
            }
            if (b == '\n' && afterCr) {
                endLine();
                continue;
            }
            afterCr = b == '\r';
            switch (state) {
                case START -> startLine(b);
                case EMPTY -> bad(); // a CR not followed by LF at the start of a line
                case NAME -> name(b);
                case NAME_WHITESPACE -> {
                    if (b == ':') {
                        obsoleteName = true;
                        startValue();
                    } else if (b != ' ' && b != '\t') {
                        bad();
                    }
                }
                case VALUE -> value(b);
                case BAD -> {
                }
            }
        }
    }

    private void startLine(byte b) {
        if (b == ' ' || b == '\t') {
            state = fieldSeen ? LineState.VALUE : LineState.BAD; // folded: the value goes on
            if (!fieldSeen) {
                malformed = true; // a continuation with no field before it
            } else {
                value(b);
            }
        } else if (b == '\r') {
            state = LineState.EMPTY;
        } else {
            capture = null;
            nameLength = 0;
            obsoleteName = false;
            state = LineState.NAME;
            name(b);
        }
    }

    private void name(byte b) {
        if (b == ':' && nameLength > 0) {
            startValue();
        } else if ((b == ' ' || b == '\t') && nameLength > 0) {
            state = LineState.NAME_WHITESPACE;
        } else if (b < 33 || b > 126 || b == ':') {
            bad();
        } else {
            if (nameLength < NAME_BUFFER) {
                name[nameLength] = b >= 'A' && b <= 'Z' ? (byte) (b + 32) : b;
            }
            nameLength++;
        }
    }

    private void bad() {
        malformed = true;
        state = LineState.BAD;
        capture = null;
    }

    private void startValue() {
        state = LineState.VALUE;
        fieldSeen = true;
        switch (field()) {
            case RECEIVED -> receivedCount++;
            case MESSAGE_ID -> {
                if (messageId == null) {
                    capture = messageId = new StringBuilder();
                    captureIsOriginator = false;
                }
            }
            case FROM -> {
                fromCount++;
                irregularOriginator |= obsoleteName;
                if (from == null) {
                    capture = from = new StringBuilder();
                    captureIsOriginator = true;
                }
            }
            case SENDER -> {
                senderCount++;
                irregularOriginator |= obsoleteName;
                if (sender == null) {
                    capture = sender = new StringBuilder();
                    captureIsOriginator = true;
                }
            }
            case OTHER -> {
            }
        }
    }

    private Field field() {
        if (nameLength > NAME_BUFFER) {
            return Field.OTHER;
        }
        return switch (new String(name, 0, nameLength, StandardCharsets.US_ASCII)) {
            case "received" -> Field.RECEIVED;
            case "message-id" -> Field.MESSAGE_ID;
            case "from" -> Field.FROM;
            case "sender" -> Field.SENDER;
            default -> Field.OTHER;
        };
    }

    private void value(byte b) {
        if (capture == null || b == '\r') {
            return;
        }
        if (capture.length() < MAX_VALUE) {
            capture.append((char) (b & 0xff));
        } else if (captureIsOriginator) {
            irregularOriginator = true;
        }
    }

    private void endLine() {
        switch (state) {
            case EMPTY -> inHeaders = false; // the empty line that ends the header section
            case NAME, NAME_WHITESPACE -> bad(); // the line ended before its colon
            default -> {
            }
        }
        state = LineState.START;
        afterCr = false;
    }

    /** The header section went past the size limit; nothing after the limit was looked at. */
    public boolean isTooLarge() {
        return tooLarge;
    }

    /**
     * A line of the header section was neither a header field nor a continuation of one, counting
     * a last line without its colon when the message ends inside the header section.
     */
    public boolean isMalformed() {
        return malformed || (inHeaders && (state == LineState.NAME || state == LineState.NAME_WHITESPACE));
    }

    public int receivedCount() {
        return receivedCount;
    }

    /** The Message-ID field's value, trimmed, or null when the message has none. */
    public String messageId() {
        return text(messageId);
    }

    /** The From field's unfolded value, or null when the message has none. */
    public String from() {
        return text(from);
    }

    public Originators originators() {
        return new Originators(fromCount, text(from), senderCount, text(sender), irregularOriginator);
    }

    private static String text(StringBuilder value) {
        if (value == null) {
            return null;
        }
        byte[] octets = value.toString().getBytes(StandardCharsets.ISO_8859_1);
        return new String(octets, StandardCharsets.UTF_8).trim();
    }
}
