package io.portcullis.spool;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;

/**
 * A message being received: content streams into {@link #content()}, then exactly one of
 * {@link #commit} or {@link #abort} ends it. {@link #close()} aborts unless committed, so a
 * try-with-resources block never leaves a partial message behind.
 */
public final class IncomingMessage implements AutoCloseable {
    private static final int BUFFER_SIZE = 16 * 1024;

    private final Spool spool;
    private final String id;
    private final FileChannel channel;
    private final OutputStream content;
    private long size;
    private boolean finished;

    IncomingMessage(Spool spool, String id, FileChannel channel) {
        this.spool = spool;
        this.id = id;
        this.channel = channel;
        OutputStream file = new BufferedOutputStream(Channels.newOutputStream(channel), BUFFER_SIZE);
        this.content = new FilterOutputStream(file) {
            @Override
            public void write(int b) throws IOException {
                out.write(b);
                size++;
            }

            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                out.write(bytes, offset, length);
                size += length;
            }
        };
    }

    public String id() {
        return id;
    }

    /** Octets written so far: the size of the stored message. */
    public long size() {
        return size;
    }

    /** The message file, written in order; not closed by the caller. */
    public OutputStream content() {
        return content;
    }

    /** Forces the content, writes the envelope and commits both (see {@link Spool}'s protocol). */
    public void commit(Envelope envelope) throws IOException {
        if (finished) {
            throw new IllegalStateException("message " + id + " already finished");
        }
        try {
            content.flush();
            channel.force(true);
            channel.close();
            spool.commit(id, envelope);
            finished = true;
        } finally {
            if (!finished) {
                abort();
            }
        }
    }

    /** Drops the message; nothing of it remains. */
    public void abort() {
        finished = true;
        try {
            channel.close();
        } catch (IOException ignored) {
            // the file is deleted next; a close error changes nothing
        }
        spool.discard(id);
    }

    @Override
    public void close() {
        if (!finished) {
            abort();
        }
    }
}
