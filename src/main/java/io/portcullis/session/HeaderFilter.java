package io.portcullis.session;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Predicate;

/**
 * The header firewall on its way to the spool: header fields whose name the predicate selects are
 * dropped, folded continuation lines included; everything else, and the whole body, passes through
 * unchanged. One field is held at a time, at most {@link #MAX_FIELD} octets: past that the field's
 * fate is decided on its name, and the rest of it (continuation lines included) is dropped with it
 * or passed through; a field whose name is selected is never passed, however long it is. (The
 * header section as a whole is bounded by the listener's {@code max-header-size}.)
 */
final class HeaderFilter extends FilterOutputStream {
    private static final int MAX_FIELD = 64 * 1024;

    private final Predicate<String> drop;
    private final ByteArrayOutputStream field = new ByteArrayOutputStream();
    private boolean inHeaders = true;
    private boolean atLineStart = true;
    private boolean afterCr;
    private boolean passingLongField;
    private boolean droppingLongField;

    HeaderFilter(OutputStream out, Predicate<String> drop) {
        super(out);
        this.drop = drop;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] content, int offset, int length) throws IOException {
        int end = offset + length;
        for (int i = offset; i < end; i++) {
            if (!inHeaders) {
                out.write(content, i, end - i);
                return;
            }
            byte b = content[i];
            if (atLineStart && b != ' ' && b != '\t') {
                flushField(); // a new field (or the empty line) starts: the previous one is complete
                if (b == '\r') {
                    inHeaders = false; // the empty line: write it with the body
                    out.write(content, i, end - i);
                    return;
                }
            }
            if (passingLongField) {
                out.write(b);
            } else if (!droppingLongField) {
                field.write(b);
                if (field.size() > MAX_FIELD) {
                    byte[] held = field.toByteArray();
                    field.reset();
                    if (dropped(held)) {
                        droppingLongField = true; // a name without a colon is no field: dropped too
                    } else {
                        out.write(held);
                        passingLongField = true;
                    }
                }
            }
            atLineStart = afterCr && b == '\n';
            afterCr = b == '\r';
        }
    }

    private void flushField() throws IOException {
        passingLongField = false;
        droppingLongField = false;
        if (field.size() == 0) {
            return;
        }
        byte[] bytes = field.toByteArray();
        field.reset();
        if (indexOfColon(bytes) == bytes.length || !dropped(bytes)) {
            out.write(bytes); // a line without a colon: the session refuses the message anyway
        }
    }

    /** Is the field starting with these octets one to remove? Also true when no colon ends its name. */
    private boolean dropped(byte[] field) {
        int colon = indexOfColon(field);
        return colon == field.length
                || drop.test(new String(field, 0, colon, StandardCharsets.ISO_8859_1).trim());
    }

    private static int indexOfColon(byte[] bytes) {
        int colon = 0;
        while (colon < bytes.length && bytes[colon] != ':') {
            colon++;
        }
        return colon;
    }

    /** Writes a field still held when the message ends without a body. */
    @Override
    public void flush() throws IOException {
        if (inHeaders) {
            flushField();
        }
        out.flush();
    }
}
