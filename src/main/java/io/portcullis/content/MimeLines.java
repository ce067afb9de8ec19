package io.portcullis.content;

import java.io.IOException;
import java.io.InputStream;

/**
 * Lines of a MIME entity for {@link MimeScanner}, read through one fixed buffer: a line longer
 * than the buffer comes in pieces, and only the first piece counts as the start of a line (so no
 * piece of a long line can pass for a boundary delimiter). The last line read can be handed back
 * once, for the caller that recognises it as the end of what it reads.
 */
final class MimeLines {
    static final int MAX_PIECE = 16 * 1024;

    private final InputStream in;
    private final byte[] buffer = new byte[8192];
    private int position;
    private int limit;
    private boolean eof;

    private byte[] line = new byte[256]; // grows up to MAX_PIECE
    private int length;
    private int rawLength;
    private boolean lineStart = true;
    private boolean nextStartsLine = true;
    private boolean pushedBack;

    MimeLines(InputStream in) {
        this.in = in;
    }

    /** Reads the next line (or piece of one); false at the end of the input. */
    boolean next() throws IOException {
        if (pushedBack) {
            pushedBack = false;
            return true;
        }
        lineStart = nextStartsLine;
        length = 0;
        rawLength = 0;
        while (true) {
            if (position == limit && !fill()) {
                nextStartsLine = true;
                return rawLength > 0;
            }
            int end = Math.min(limit, position + MAX_PIECE - length);
            int i = position;
            while (i < end && buffer[i] != '\n') {
                i++;
            }
            if (length + i - position > line.length) {
                line = java.util.Arrays.copyOf(line, Math.min(MAX_PIECE, Math.max(2 * line.length, length + i - position)));
            }
            System.arraycopy(buffer, position, line, length, i - position);
            length += i - position;
            rawLength += i - position;
            if (i < end) {
                position = i + 1;
                rawLength++;
                if (length > 0 && line[length - 1] == '\r') {
                    length--;
                }
                nextStartsLine = true;
                return true;
            }
            position = i;
            if (length == MAX_PIECE) {
                nextStartsLine = false;
                return true;
            }
        }
    }

    /** The line read last is read again by the next {@link #next()}. */
    void pushBack() {
        pushedBack = true;
    }

    /** The line without its CRLF (or LF). */
    byte[] bytes() {
        return line;
    }

    int length() {
        return length;
    }

    /** Octets the line took in the input, line end included. */
    int rawLength() {
        return rawLength;
    }

    /** False for a piece of an over-long line that the next piece continues. */
    boolean endsLine() {
        return nextStartsLine;
    }

    /** False for the second and later pieces of an over-long line. */
    boolean startsLine() {
        return lineStart;
    }

    boolean isEmpty() {
        return lineStart && length == 0 && nextStartsLine;
    }

    private boolean fill() throws IOException {
        if (eof) {
            return false;
        }
        int n = in.read(buffer, 0, buffer.length);
        if (n <= 0) {
            eof = true;
            return false;
        }
        position = 0;
        limit = n;
        return true;
    }
}
