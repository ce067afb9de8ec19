package io.portcullis.spool;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A committed message's content: the first {@code length} octets of its spool file (which goes on
 * with the envelope as a trailer). Exactly the octets that will be delivered.
 */
public record StoredMessage(Path file, long length) {

    /** The content of a record file ({@code ID.msg}: content, then the envelope trailer), wherever it lies. */
    public static StoredMessage ofRecord(Path record) throws IOException {
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(record,
                java.nio.file.StandardOpenOption.READ)) {
            return new StoredMessage(record, RecordTrailer.contentLength(channel));
        }
    }

    /** The envelope of a record file, from its trailer; fails when there is none. */
    public static Envelope envelopeOf(Path record) throws IOException {
        return RecordTrailer.envelope(record);
    }

    /** The content, buffered, ending where the content ends. */
    public InputStream open() throws IOException {
        // A buffer the size of the message, up to 64 KB: a 64 KB array per delivery of a 1 KB message
        // was most of the garbage a relay made.
        InputStream in = new BufferedInputStream(Files.newInputStream(file), (int) Math.min(64 * 1024, Math.max(length, 512)));
        return new FilterInputStream(in) {
            private long remaining = length;

            @Override
            public int read() throws IOException {
                if (remaining <= 0) {
                    return -1;
                }
                int b = super.read();
                if (b >= 0) {
                    remaining--;
                }
                return b;
            }

            @Override
            public int read(byte[] buffer, int offset, int count) throws IOException {
                if (remaining <= 0) {
                    return -1;
                }
                int n = super.read(buffer, offset, (int) Math.min(count, remaining));
                if (n > 0) {
                    remaining -= n;
                }
                return n;
            }

            @Override
            public long skip(long n) throws IOException {
                long skipped = super.skip(Math.min(n, remaining));
                remaining -= skipped;
                return skipped;
            }

            @Override
            public int available() throws IOException {
                return (int) Math.min(super.available(), remaining);
            }

            @Override
            public boolean markSupported() {
                return false;
            }
        };
    }

    public byte[] readAllBytes() throws IOException {
        try (InputStream in = open()) {
            return in.readAllBytes();
        }
    }
}
