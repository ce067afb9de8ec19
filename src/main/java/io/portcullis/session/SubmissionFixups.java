package io.portcullis.session;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Submission hygiene on the way to the spool (RFC 6409 §8.2 and §8.3): a message submitted
 * without a {@code Message-ID:} or a {@code Date:} gets one, inserted at the end of its header
 * section, so the content chain (disclaimer, DKIM signing) sees a complete message. Only the
 * names of fields are looked at, at the start of each header line; once the header section ends
 * (the empty line, or the end of a message that has no body) everything passes through untouched.
 */
final class SubmissionFixups extends FilterOutputStream {
    private static final int MAX_NAME = 32;
    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    private final Supplier<String> messageIdField;
    private final Supplier<String> dateField;
    private final StringBuilder name = new StringBuilder();
    private boolean inHeaders = true;
    private boolean atLineStart = true;
    private boolean inName;
    private boolean hasMessageId;
    private boolean hasDate;

    /**
     * @param messageIdField the whole field to add, CRLF included, when there is no Message-ID
     * @param dateField      likewise for Date
     */
    SubmissionFixups(OutputStream out, Supplier<String> messageIdField, Supplier<String> dateField) {
        super(out);
        this.messageIdField = messageIdField;
        this.dateField = dateField;
    }

    /** Eight random octets in hex: with the queue id, a Message-ID no other message gets. */
    static String randomPart() {
        byte[] bytes = new byte[8];
        RANDOM.nextBytes(bytes);
        return java.util.HexFormat.of().formatHex(bytes);
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] content, int offset, int length) throws IOException {
        if (!inHeaders) {
            out.write(content, offset, length);
            return;
        }
        int end = offset + length;
        for (int i = offset; i < end; i++) {
            byte b = content[i];
            if (atLineStart && (b == '\r' || b == '\n')) {
                out.write(content, offset, i - offset);
                addMissing();
                out.write(content, i, end - i);
                return;
            }
            if (atLineStart && b != ' ' && b != '\t') {
                inName = true;
                name.setLength(0);
            }
            if (inName) {
                if (b == ':' || b == ' ' || b == '\t' || b == '\r' || b == '\n' || name.length() > MAX_NAME) {
                    inName = false;
                    String field = name.toString().toLowerCase(Locale.ROOT);
                    hasMessageId |= field.equals("message-id");
                    hasDate |= field.equals("date");
                } else {
                    name.append((char) (b & 0xff));
                }
            }
            atLineStart = b == '\n';
        }
        out.write(content, offset, length);
    }

    /** The message ended within its header section (no body): the fields go at its end. */
    @Override
    public void flush() throws IOException {
        if (inHeaders && atLineStart) {
            addMissing();
        }
        out.flush();
    }

    private void addMissing() throws IOException {
        inHeaders = false;
        StringBuilder fields = new StringBuilder();
        if (!hasMessageId) {
            fields.append(messageIdField.get());
        }
        if (!hasDate) {
            fields.append(dateField.get());
        }
        out.write(fields.toString().getBytes(StandardCharsets.US_ASCII));
    }
}
