package io.portcullis.database;

import io.portcullis.spool.Json;
import io.portcullis.spool.PrivateFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Where tracking events wait on local disk while PostgreSQL is unreachable: one append-only file,
 * {@code events.jsonl}, one {@link PendingEvent} a line.
 *
 * <p>Protocol: a batch is appended and forced (fsync) before the writer takes the next one, so a
 * crash loses at most the batch being written. Flushing reads the file from the front in order
 * and moves a read position forward in memory after each batch the database took; when the
 * position reaches the end the file is truncated to zero and forced. A crash in between leaves the
 * file whole: the next start sends it again from the front, and the database's unique key drops
 * what it already has. A line cut short by a crash is cut off when the file is opened; a line
 * that is not a whole event (disk damage) is skipped when read.
 *
 * <p>Bound: the file never grows past {@code maxBytes}; the events of a batch that do not fit are
 * dropped, and the caller counts and logs them. Used by one thread (the writer's).
 */
final class EventBuffer implements AutoCloseable {
    static final String FILE = "events.jsonl";
    private static final int READ_CHUNK = 1 << 20;

    private final Path file;
    private final long maxBytes;
    private final FileChannel channel;
    private long size;
    private long readPosition;

    EventBuffer(Path directory, long maxBytes) throws IOException {
        this.file = PrivateFiles.createDirectories(directory).resolve(FILE);
        this.maxBytes = maxBytes;
        PrivateFiles.openAppend(file).close(); // created with the private mode
        this.channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        this.size = completeLength();
        if (size < channel.size()) {
            channel.truncate(size);
            channel.force(true);
        }
    }

    /** The length up to and including the last newline: a line without one was cut short. */
    private long completeLength() throws IOException {
        long end = channel.size();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (end > 0) {
            one.clear();
            channel.read(one, end - 1);
            if (one.get(0) == '\n') {
                return end;
            }
            end--;
        }
        return 0;
    }

    Path file() {
        return file;
    }

    boolean isEmpty() {
        return readPosition >= size;
    }

    /** The octets on disk (flushed lines included until the file is truncated). */
    long bytes() {
        return size;
    }

    /**
     * Appends the events in order and forces them to disk; returns how many did not fit under the
     * cap and were dropped (the last ones: once one does not fit, none after it is written).
     */
    int append(List<PendingEvent> events) throws IOException {
        ByteArrayOutputStream lines = new ByteArrayOutputStream(events.size() * 300);
        int written = 0;
        for (PendingEvent pending : events) {
            byte[] line = line(pending);
            if (size + lines.size() + line.length > maxBytes) {
                break;
            }
            lines.write(line);
            written++;
        }
        if (written > 0) {
            ByteBuffer bytes = ByteBuffer.wrap(lines.toByteArray());
            long position = size;
            while (bytes.hasRemaining()) {
                position += channel.write(bytes, position);
            }
            channel.force(false);
            size = position;
        }
        return events.size() - written;
    }

    private static byte[] line(PendingEvent pending) throws IOException {
        String text = "{\"node\":" + Json.MAPPER.writeValueAsString(pending.node()) + ",\"id\":\"" + pending.id()
                + "\",\"event\":" + pending.event().toJson() + "}\n";
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** A read from the front: the events and the position after them, for {@link #consumed}. */
    record Chunk(List<PendingEvent> events, long end) {
    }

    /** Up to {@code max} events from the read position, in the order they were appended. */
    Chunk read(int max) throws IOException {
        List<PendingEvent> events = new ArrayList<>();
        long position = readPosition;
        int chunk = READ_CHUNK;
        while (events.size() < max && position < size) {
            ByteBuffer bytes = ByteBuffer.allocate((int) Math.min(chunk, size - position));
            while (bytes.hasRemaining() && channel.read(bytes, position + bytes.position()) > 0) {
                // fill
            }
            byte[] data = bytes.array();
            int start = 0;
            for (int i = 0; i < data.length && events.size() < max; i++) {
                if (data[i] == '\n') {
                    String text = new String(data, start, i - start, StandardCharsets.UTF_8);
                    start = i + 1;
                    try {
                        PendingEvent event = Json.MAPPER.readValue(text, PendingEvent.class);
                        if (isWhole(event)) {
                            events.add(event);
                        }
                    } catch (IOException e) {
                        // not an event (cannot happen short of disk damage): skipped
                    }
                }
            }
            if (start == 0) {
                chunk *= 2; // one line longer than the chunk: read more at once
                continue;
            }
            position += start;
        }
        return new Chunk(events, position);
    }

    /**
     * True for an event the database can take: JSON that is not a whole event (damage that still
     * parses) would fail every try, a NOT NULL refused or a NullPointerException, and hold up every
     * event behind it for good, so it is skipped like a line that is not JSON.
     */
    private static boolean isWhole(PendingEvent pending) {
        return pending != null && pending.node() != null && pending.id() != null && pending.event() != null
                && pending.event().time() != null && pending.event().event() != null;
    }

    /** The database took the events up to {@code end}; when that is everything, the file is emptied. */
    void consumed(long end) throws IOException {
        readPosition = end;
        if (readPosition >= size) {
            channel.truncate(0);
            channel.force(true);
            size = 0;
            readPosition = 0;
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
