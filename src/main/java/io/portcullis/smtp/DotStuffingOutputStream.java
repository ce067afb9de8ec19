package io.portcullis.smtp;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Message content on its way out in DATA (RFC 5321 §4.5.2): a dot at the start of a line is
 * doubled, and {@link #finish()} ends the content with CRLF "." CRLF, adding a CRLF first when the
 * content did not end with one. The content is CRLF-only (the spool accepts nothing else).
 */
public final class DotStuffingOutputStream extends FilterOutputStream {
    private boolean atLineStart = true;
    private boolean afterCr;

    public DotStuffingOutputStream(OutputStream out) {
        super(out);
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] content, int offset, int length) throws IOException {
        int runStart = offset;
        int end = offset + length;
        for (int i = offset; i < end; i++) {
            byte b = content[i];
            if (atLineStart && b == '.') {
                out.write(content, runStart, i - runStart);
                out.write('.');
                runStart = i;
            }
            atLineStart = afterCr && b == '\n';
            afterCr = b == '\r';
        }
        out.write(content, runStart, end - runStart);
    }

    /** Writes the terminating sequence; the underlying stream stays open. */
    public void finish() throws IOException {
        if (!atLineStart) {
            out.write(afterCr ? new byte[] {'\n'} : new byte[] {'\r', '\n'});
        }
        out.write(new byte[] {'.', '\r', '\n'});
        out.flush();
    }
}
