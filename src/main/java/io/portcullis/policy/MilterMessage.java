package io.portcullis.policy;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The written message read for a milter at the end of DATA: header fields one by one (each with
 * its continuation lines, as received), then the body after the empty line. The session has
 * already held the header section to the listener's limits; a field longer than {@link #MAX_FIELD}
 * is refused anyway, so nothing here grows with what a client sends.
 */
final class MilterMessage implements AutoCloseable {
    static final int MAX_FIELD = 1024 * 1024;

    /** One header field: its name, the whole field (name, colon, value, folds, final CRLF) and where its colon is. */
    record Field(String name, byte[] raw, int colon) {
    }

    private final InputStream in;
    private boolean headerDone;

    MilterMessage(Path file) throws IOException {
        this.in = new BufferedInputStream(Files.newInputStream(file), 64 * 1024);
    }

    /** The next header field, or null at the end of the header section (the empty line is consumed). */
    Field nextField() throws IOException {
        if (headerDone) {
            return null;
        }
        ByteArrayOutputStream field = new ByteArrayOutputStream(256);
        while (true) {
            in.mark(1);
            int first = in.read();
            if (first < 0) {
                headerDone = true;
                break;
            }
            if (field.size() > 0 && first != ' ' && first != '\t') {
                in.reset(); // a new field (or the empty line) starts here
                break;
            }
            if (field.size() == 0 && first == '\r') {
                in.mark(1);
                if (in.read() != '\n') {
                    in.reset();
                }
                headerDone = true;
                return null;
            }
            field.write(first);
            readLine(field);
        }
        if (field.size() == 0) {
            return null;
        }
        byte[] raw = field.toByteArray();
        int colon = 0;
        while (colon < raw.length && raw[colon] != ':') {
            colon++;
        }
        String name = new String(raw, 0, colon, java.nio.charset.StandardCharsets.ISO_8859_1).strip(); // no colon: all name
        return new Field(name, raw, colon);
    }

    private void readLine(ByteArrayOutputStream field) throws IOException {
        int b;
        while ((b = in.read()) >= 0) {
            field.write(b);
            if (b == '\n') {
                return;
            }
            if (field.size() > MAX_FIELD) {
                throw new IOException("a header field longer than " + MAX_FIELD + " octets");
            }
        }
    }

    /** Reads the body (after the header section) into {@code chunk}; the octets read, 0 at the end. */
    int readBody(byte[] chunk) throws IOException {
        while (!headerDone) {
            nextField();
        }
        return in.readNBytes(chunk, 0, chunk.length);
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
