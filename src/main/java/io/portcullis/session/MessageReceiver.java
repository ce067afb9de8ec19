package io.portcullis.session;

import io.portcullis.smtp.HeaderScanner;
import io.portcullis.smtp.LineDiscipline;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Where decoded message content goes on its way to the spool: it checks line discipline, follows
 * the header section (up to the listener's header size limit), counts octets and stops writing to disk once the size limit is passed (the
 * rest is still read, so the session stays in step, but discarded).
 */
final class MessageReceiver extends OutputStream {
    private final OutputStream spoolFile;
    private final long maxSize;
    private final LineDiscipline discipline;
    private final HeaderScanner headers;
    private long size;

    MessageReceiver(OutputStream spoolFile, long maxSize, int maxLineLength, long maxHeaderSize) {
        this.spoolFile = spoolFile;
        this.headers = new HeaderScanner(maxHeaderSize);
        this.maxSize = maxSize;
        this.discipline = new LineDiscipline(maxLineLength);
    }

    @Override
    public void write(byte[] content, int offset, int length) throws IOException {
        if (length == 0) {
            return;
        }
        discipline.check(content, offset, length);
        headers.scan(content, offset, length);
        size += length;
        if (size <= maxSize) {
            spoolFile.write(content, offset, length);
        }
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    /** Writes out anything a filter on the way to the spool still holds (the header firewall). */
    void flushHeld() throws IOException {
        spoolFile.flush();
    }

    long size() {
        return size;
    }

    boolean isOversized() {
        return size > maxSize;
    }

    LineDiscipline.Violation finishDiscipline() {
        return discipline.finish();
    }

    HeaderScanner headers() {
        return headers;
    }
}
