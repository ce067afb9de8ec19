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
    private final java.nio.file.Path file;
    private FileChannel channel;
    private OutputStream content;
    private long size;
    private boolean finished;
    /** A recycled file still longer than what was written: cut it before anyone reads it. */
    private boolean stale;

    IncomingMessage(Spool spool, String id, java.nio.file.Path file, FileChannel channel, boolean recycled) {
        this.spool = spool;
        this.id = id;
        this.file = file;
        this.stale = recycled;
        open(channel);
    }

    private void open(FileChannel newChannel) {
        this.channel = newChannel;
        this.size = 0;
        OutputStream buffered = new BufferedOutputStream(Channels.newOutputStream(newChannel), BUFFER_SIZE);
        this.content = new FilterOutputStream(buffered) {
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

    /**
     * The file written so far, for content checks to read; everything written is flushed to it
     * first (not forced: {@link #commit} does that).
     */
    public java.nio.file.Path file() throws IOException {
        content.flush();
        cutStaleTail();
        return file;
    }

    private void cutStaleTail() throws IOException {
        if (stale) {
            channel.truncate(channel.position());
            stale = false;
        }
    }

    /**
     * Replaces the content with what {@code writer} produces, which may read the old content from
     * {@link #file()} meanwhile. The new content goes to a sibling file that is renamed over the old
     * one, so a failure half-way leaves the old content in place (and the message uncommitted).
     */
    public void replaceContent(ContentWriter writer) throws IOException {
        if (finished) {
            throw new IllegalStateException("message " + id + " already finished");
        }
        content.flush();
        java.nio.file.Path replacement = file.resolveSibling(file.getFileName() + ".new");
        FileChannel newChannel = FileChannel.open(replacement, PrivateFiles.CREATE_NEW, PrivateFiles.FILE);
        FileChannel oldChannel = channel;
        try {
            open(newChannel);
            writer.writeTo(content);
            content.flush();
            spool.disk().rename(replacement, file);
            stale = false; // a new file, written from empty
            oldChannel.close();
        } catch (IOException | RuntimeException e) {
            newChannel.close();
            java.nio.file.Files.deleteIfExists(replacement);
            channel = oldChannel;
            throw e;
        }
    }

    /** Writes a message's new content. */
    @FunctionalInterface
    public interface ContentWriter {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Appends the envelope as the record's trailer, forces both and commits (see {@link Spool}'s
     * protocol): into the queue, or, for an envelope with a quarantine reason, into the spool's
     * {@link HoldingArea} when it has one.
     */
    public void commit(Envelope envelope) throws IOException {
        if (finished) {
            throw new IllegalStateException("message " + id + " already finished");
        }
        try {
            byte[] trailer = RecordTrailer.of(envelope);
            long length = size + trailer.length;
            content.write(trailer);
            content.flush();
            cutStaleTail();
            HoldingArea holding = envelope.quarantine() != null ? spool.holdingArea() : null;
            if (holding != null) {
                spool.disk().force(channel, file);
                channel.close();
                holding.hold(id, file, envelope); // renamed out of incoming/ and durable there
            } else if (length <= Spool.LOGGED_MAX) {
                java.nio.ByteBuffer record = java.nio.ByteBuffer.allocate((int) length);
                while (record.hasRemaining() && channel.read(record, record.position()) > 0) {
                    // the whole record, for the log
                }
                channel.close();
                spool.commitLogged(id, file, record.array(), envelope);
            } else {
                spool.disk().force(channel, file); // fdatasync: the data and the size; timestamps may wait
                channel.close();
                spool.commit(id, file, envelope);
            }
            finished = true;
            spool.finished();
        } finally {
            if (!finished) {
                abort();
            }
        }
    }

    /** Drops the message; nothing of it remains. */
    public void abort() {
        if (!finished) {
            spool.finished();
        }
        finished = true;
        try {
            channel.close();
        } catch (IOException ignored) {
            // the file is deleted next; a close error changes nothing
        }
        spool.discard(id, file);
    }

    @Override
    public void close() {
        if (!finished) {
            abort();
        }
    }
}
