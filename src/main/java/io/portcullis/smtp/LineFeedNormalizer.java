package io.portcullis.smtp;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Message content with bare LF made CRLF, for listeners set to {@code bare-line-ends: normalize}.
 * It sits after the {@link DotDataDecoder} (or the BDAT chunk reader), so it only ever sees
 * content: the end of DATA has already been found at CRLF.CRLF and nowhere else, and what was
 * "LF . LF" on the wire is now an ordinary line holding one dot, which dot-stuffing on delivery
 * doubles. A bare CR passes unchanged, for the {@link LineDiscipline} behind it to refuse.
 *
 * <p>Works on content split anywhere: a CR at the end of one piece and an LF at the start of the
 * next are a CRLF.
 */
public final class LineFeedNormalizer extends FilterOutputStream {
    private static final byte[] CRLF = {'\r', '\n'};
    private boolean afterCr;

    public LineFeedNormalizer(OutputStream out) {
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
            if (b == '\n' && !afterCr) {
                out.write(content, runStart, i - runStart);
                out.write(CRLF);
                runStart = i + 1;
            }
            afterCr = b == '\r';
        }
        out.write(content, runStart, end - runStart);
    }
}
