package io.portcullis.smtp;

import java.nio.charset.StandardCharsets;

/**
 * Follows the header section of a message as it streams past (RFC 5322 §2.2) and notes what the
 * receiving side needs without buffering the message: how many {@code Received:} fields there are
 * (hop count, RFC 5321 §6.3) and the {@code Message-ID}. Stops looking at the first empty line.
 */
public final class HeaderScanner {

    private static final byte[] RECEIVED = "received:".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MESSAGE_ID = "message-id:".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_MESSAGE_ID = 998;

    private final byte[] lineStart = new byte[16];
    private int lineStartLength;
    private boolean inHeaders = true;
    private boolean afterCr;
    private int lineLength;
    private int receivedCount;
    private StringBuilder messageId;
    private boolean readingMessageId;

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
                    readingMessageId = false;
                }
            }
            if (lineStartLength >= 0 && lineStartLength < lineStart.length) {
                lineStart[lineStartLength++] = b;
                if (lineStartLength == MESSAGE_ID.length && startsWith(MESSAGE_ID)) {
                    messageId = new StringBuilder();
                    readingMessageId = true;
                    lineLength++;
                    continue;
                }
            }
            if (readingMessageId && !afterCr && messageId.length() < MAX_MESSAGE_ID) {
                messageId.append((char) (b & 0xff));
            }
            lineLength++;
        }
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
        return messageId == null ? null : messageId.toString().trim();
    }
}
