package io.portcullis.smtp;

import java.nio.charset.StandardCharsets;

/**
 * Follows the header section of a message as it streams past (RFC 5322 §2.2) and notes what the
 * receiving side needs without buffering the message: how many {@code Received:} fields there are
 * (hop count, RFC 5321 §6.3), and the unfolded values of {@code Message-ID:} and {@code From:}
 * (first occurrence, at most 998 characters each). Stops looking at the first empty line.
 */
public final class HeaderScanner {

    private static final byte[] RECEIVED = "received:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[][] CAPTURED = {"message-id:".getBytes(StandardCharsets.US_ASCII),
        "from:".getBytes(StandardCharsets.US_ASCII)};
    private static final int MAX_VALUE = 998;

    private final byte[] lineStart = new byte[16];
    private final StringBuilder[] values = new StringBuilder[CAPTURED.length];
    private int lineStartLength;
    private boolean inHeaders = true;
    private boolean afterCr;
    private int lineLength;
    private int receivedCount;
    private int capturing = -1;

    public void scan(byte[] content, int offset, int length) {
        int end = offset + length;
        for (int i = offset; i < end && inHeaders; i++) {
            byte b = content[i];
            if (b == '\n' && afterCr) {
                if (lineLength == 1) { // only the CR: the empty line that ends the header section
                    inHeaders = false;
                    return;
                }
                endLine();
                continue;
            }
            afterCr = b == '\r';
            if (lineLength == 0) {
                if (b == ' ' || b == '\t') {
                    lineStartLength = -1; // folded continuation of the previous field
                } else {
                    capturing = -1;
                }
            }
            lineLength++;
            if (lineStartLength >= 0 && lineStartLength < lineStart.length) {
                lineStart[lineStartLength++] = b;
                int started = startedCapture();
                if (started >= 0) {
                    capturing = started;
                    continue;
                }
            }
            if (capturing >= 0 && !afterCr && values[capturing].length() < MAX_VALUE) {
                values[capturing].append((char) (b & 0xff));
            }
        }
    }

    /** The index of the captured field whose name the line has just completed, if it is the first one. */
    private int startedCapture() {
        for (int f = 0; f < CAPTURED.length; f++) {
            if (lineStartLength == CAPTURED[f].length && values[f] == null && startsWith(CAPTURED[f])) {
                values[f] = new StringBuilder();
                return f;
            }
        }
        return -1;
    }

    private void endLine() {
        if (lineStartLength >= RECEIVED.length && startsWith(RECEIVED)) {
            receivedCount++;
        }
        lineStartLength = 0;
        lineLength = 0;
        afterCr = false;
    }

    private boolean startsWith(byte[] name) {
        for (int i = 0; i < name.length; i++) {
            if (Character.toLowerCase(lineStart[i]) != name[i]) {
                return false;
            }
        }
        return true;
    }

    public int receivedCount() {
        return receivedCount;
    }

    /** The Message-ID field's value, trimmed, or null when the message has none. */
    public String messageId() {
        return value(0);
    }

    /** The From field's unfolded value, or null when the message has none. */
    public String from() {
        return value(1);
    }

    private String value(int index) {
        if (values[index] == null) {
            return null;
        }
        byte[] octets = values[index].toString().getBytes(StandardCharsets.ISO_8859_1);
        return new String(octets, StandardCharsets.UTF_8).trim();
    }
}
