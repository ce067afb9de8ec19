package io.portcullis.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The spool's write-ahead log: group commit for message data. A small record is appended here,
 * whole (content and trailer), and the log is forced once for every session committing at the same
 * time; its file in {@code queue/} is then renamed into place without an fsync of its own. After a
 * crash, {@link #replay} hands back every record the log holds and no later {@code done} entry
 * cancels, and the spool writes each one out again, durably, before anything reads the queue.
 *
 * <p>Entries: {@code PCL1}, a type ({@code C} commit with the record's octets, {@code D} done),
 * the queue id, the payload length, the payload and a CRC-32C of everything after the magic. A
 * torn entry at the end of the last segment is one whose force never returned: nobody heard 250
 * for it, and replay stops there.
 *
 * <p>Segments: {@code log/NNNNNNNNNNNN.log}, a new one after {@value #SEGMENT_BYTES} octets (by default). An old
 * segment is deleted once each message committed in it is done or forced to disk in its own file
 * (a checkpoint, on a virtual thread after the switch, once no commit into it is still finishing).
 */
final class CommitLog {
    private static final Logger log = LoggerFactory.getLogger(CommitLog.class);
    static final long SEGMENT_BYTES = 64L * 1024 * 1024;
    private final long segmentBytes;
    private static final byte[] MAGIC = "PCL1".getBytes(StandardCharsets.US_ASCII);
    private static final byte COMMIT = 'C';
    private static final byte DONE = 'D';
    private static final int MAX_PAYLOAD = 64 * 1024 * 1024;

    /** A record to write out again: a commit no done entry followed. */
    record Replayed(String id, byte[] record) {
    }

    /** What the log says: records to write out again, and messages it saw leave the queue. */
    record Replay(List<Replayed> open, java.util.Set<String> done) {
    }

    /** Forces these messages' own files and the directory that names them; the spool knows where they are. */
    @FunctionalInterface
    interface FileForcer {
        void force(List<String> ids) throws IOException;
    }

    private final Path directory;
    private final FileForcer checkpoint;
    private final DiskSync disk;
    private final ReentrantLock appendLock = new ReentrantLock();
    private final GroupSync groupSync;
    private FileChannel active;
    private Path activePath;
    private long activeNumber;
    private long activeSize;
    /** Octets appended since start-up (under the lock), and the part of them forced to disk. */
    private long appended;
    private final java.util.concurrent.atomic.AtomicLong durable = new java.util.concurrent.atomic.AtomicLong();
    /** The last append failed part-way: the next one goes to a new segment. */
    private boolean torn;
    /** The segment of each message committed and not yet done (the live ones of a segment are its keys here). */
    private final Map<String, Long> segmentOf = new HashMap<>();
    /** Per segment, commits not yet renamed into place. */
    private final Map<Long, Integer> finishing = new HashMap<>();

    /** How long the first of several committing sessions waits for the others before forcing the log. */
    static final long GATHER_NANOS = 1_000_000;

    CommitLog(Path directory, long segmentBytes, FileForcer checkpoint, java.util.function.IntSupplier inFlight,
              DiskSync disk) throws IOException {
        this.segmentBytes = segmentBytes;
        this.disk = disk;
        this.directory = PrivateFiles.createDirectories(directory);
        this.checkpoint = checkpoint;
        this.groupSync = new GroupSync("the spool log in " + directory, this::forceActive, GATHER_NANOS, inFlight);
    }

    private void forceActive() throws IOException {
        FileChannel channel;
        Path path;
        long upTo;
        appendLock.lock();
        try {
            channel = active;
            path = activePath;
            upTo = appended;
        } finally {
            appendLock.unlock();
        }
        try {
            disk.force(channel, path);
            durable.accumulateAndGet(upTo, Math::max);
        } catch (java.nio.channels.ClosedChannelException e) {
            // Closed by a rotation, which forced it first, or by an interrupt: force the file again
            // through a fresh channel.
            appendLock.lock();
            try {
                ensureOpen();
                disk.force(active, activePath);
                durable.accumulateAndGet(upTo, Math::max);
            } finally {
                appendLock.unlock();
            }
        }
    }

    /** How many octets have been appended since start-up, and how many of them are surely on disk. */
    long durable() {
        return durable.get();
    }

    /**
     * Every commit the log holds without a later done entry, oldest first; then the old segments
     * are gone (the caller makes each record durable in its own file first) and a new one starts.
     */
    Replay replay() throws IOException {
        Map<String, byte[]> open = new LinkedHashMap<>();
        java.util.Set<String> done = new java.util.HashSet<>();
        List<Path> files = segmentFiles();
        for (int i = 0; i < files.size(); i++) {
            read(files.get(i), i == files.size() - 1, open, done);
        }
        List<Replayed> replayed = new ArrayList<>();
        open.forEach((id, record) -> replayed.add(new Replayed(id, record)));
        activeNumber = files.isEmpty() ? 0 : number(files.get(files.size() - 1));
        return new Replay(replayed, done);
    }

    /** Deletes the replayed segments (their records are durable elsewhere now) and opens a new one. */
    void start() throws IOException {
        appendLock.lock();
        try {
            if (active != null) {
                active.close();
                active = null;
            }
            for (Path file : segmentFiles()) {
                Files.deleteIfExists(file);
            }
            finishing.clear();
            segmentOf.clear();
            openSegment(activeNumber + 1);
        } finally {
            appendLock.unlock();
        }
        disk.forceDirectory(directory);
    }

    List<Path> segmentFiles() throws IOException {
        TreeMap<Long, Path> files = new TreeMap<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(directory, "*.log")) {
            for (Path file : stream) {
                files.put(number(file), file);
            }
        }
        return new ArrayList<>(files.values());
    }

    private static long number(Path file) {
        String name = file.getFileName().toString();
        try {
            return Long.parseLong(name.substring(0, name.length() - ".log".length()));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private void read(Path file, boolean last, Map<String, byte[]> open, java.util.Set<String> done) throws IOException {
        ByteBuffer data = ByteBuffer.wrap(Files.readAllBytes(file));
        while (data.hasRemaining()) {
            int start = data.position();
            String problem = entry(data, open, done);
            if (problem != null) {
                if (last) {
                    log.info("spool log: {} ends with an unfinished entry at {} ({}); nothing after it was acknowledged",
                            file, start, problem);
                } else {
                    log.error("spool log: {} is damaged at {} ({}); entries after it are skipped", file, start, problem);
                }
                return;
            }
        }
    }

    /** Reads one entry into {@code open}; a reason when it is torn or damaged. */
    private static String entry(ByteBuffer data, Map<String, byte[]> open, java.util.Set<String> done) {
        if (data.remaining() < MAGIC.length + 2) {
            return "short header";
        }
        byte[] magic = new byte[MAGIC.length];
        data.get(magic);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
            return "no entry magic";
        }
        int checked = data.position();
        byte type = data.get();
        int idLength = data.get() & 0xff;
        if (data.remaining() < idLength + 4) {
            return "short id";
        }
        byte[] idBytes = new byte[idLength];
        data.get(idBytes);
        int payloadLength = data.getInt();
        if (payloadLength < 0 || payloadLength > MAX_PAYLOAD || data.remaining() < payloadLength + 4) {
            return "short payload";
        }
        byte[] payload = new byte[payloadLength];
        data.get(payload);
        CRC32C crc = new CRC32C();
        crc.update(data.array(), checked, data.position() - checked);
        if ((int) crc.getValue() != data.getInt()) {
            return "checksum mismatch";
        }
        String id = new String(idBytes, StandardCharsets.US_ASCII);
        if (type == COMMIT && QueueId.isValid(id)) {
            open.put(id, payload);
            done.remove(id);
        } else if (type == DONE) {
            open.remove(id);
            done.add(id);
        } else {
            return "unknown entry type";
        }
        return null;
    }

    /**
     * Appends a message's record and returns once it is on disk (one force shared with every
     * caller waiting meanwhile), with the segment it went to. The caller renames the record file
     * into place and then calls {@link #placed} with that segment, whether the rename worked or not.
     */
    long commit(String id, byte[] record) throws IOException {
        ByteBuffer[] entry = encode(COMMIT, id, record);
        long number;
        appendLock.lock();
        try {
            write(entry);
            number = activeNumber;
            finishing.merge(number, 1, Integer::sum);
            segmentOf.put(id, number);
        } finally {
            appendLock.unlock();
        }
        try {
            groupSync.sync();
        } catch (IOException e) {
            placed(number);
            throw e;
        }
        return number;
    }

    /** A commit into this segment has finished: its record file is in place, or it failed. */
    void placed(long number) {
        appendLock.lock();
        try {
            finishing.computeIfPresent(number, (n, count) -> count == 1 ? null : count - 1);
        } finally {
            appendLock.unlock();
        }
    }

    /**
     * The message has left the queue: a done entry, forced with the next commit. Answers the
     * position to compare with {@link #durable()} (the entry is on disk once that reaches it), or
     * -1 when the message is not in the log (never logged, or its segment is checkpointed).
     */
    long done(String id) throws IOException {
        appendLock.lock();
        try {
            if (segmentOf.remove(id) == null) {
                return -1;
            }
            write(encode(DONE, id, new byte[0]));
            return appended;
        } finally {
            appendLock.unlock();
        }
    }

    /** An entry as header, payload (not copied) and checksum, for one gathering write. */
    private static ByteBuffer[] encode(byte type, String id, byte[] payload) {
        byte[] idBytes = id.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer header = ByteBuffer.allocate(MAGIC.length + 2 + idBytes.length + 4);
        header.put(MAGIC).put(type).put((byte) idBytes.length).put(idBytes).putInt(payload.length);
        CRC32C crc = new CRC32C();
        crc.update(header.array(), MAGIC.length, header.position() - MAGIC.length);
        crc.update(payload);
        return new ByteBuffer[] {header.flip(), ByteBuffer.wrap(payload), ByteBuffer.allocate(4).putInt((int) crc.getValue()).flip()};
    }

    /** Appends under the lock; starts a new segment when this one is full. */
    private void write(ByteBuffer[] entry) throws IOException {
        boolean interrupted = Thread.interrupted(); // an interrupt would close the channel for everyone
        try {
            ensureOpen();
            if (activeSize >= segmentBytes || torn) {
                rotate();
                torn = false;
            }
            try {
                while (entry[entry.length - 1].hasRemaining()) {
                    long written = active.write(entry);
                    activeSize += written;
                    appended += written;
                }
            } catch (IOException e) {
                // A part of the entry may be in the file (a full disk): nothing may follow it there,
                // or replay would stop at it and miss later entries. The next entry starts a segment.
                torn = true;
                throw e;
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Opens the segment to append to: after the newest one when none is open yet, or again after an interrupt closed it. */
    private void ensureOpen() throws IOException {
        if (active == null) {
            List<Path> files = segmentFiles();
            openSegment(files.isEmpty() ? 1 : number(files.get(files.size() - 1)) + 1);
        } else if (!active.isOpen()) {
            openSegment(activeNumber);
        }
    }

    private void rotate() throws IOException {
        disk.force(active, activePath); // everything appended so far is durable before anyone appends elsewhere
        durable.accumulateAndGet(appended, Math::max);
        active.close();
        long old = activeNumber;
        openSegment(old + 1);
        disk.forceDirectory(directory);
        Thread.ofVirtual().name("spool-log-checkpoint-" + old).start(() -> checkpoint(old));
    }

    private void openSegment(long number) throws IOException {
        activeNumber = number;
        activePath = directory.resolve(String.format("%012d.log", number));
        active = PrivateFiles.openAppend(activePath);
        activeSize = active.size();
    }

    /** Forces each live message of a full segment in its own file, then deletes the segment. */
    private void checkpoint(long number) {
        List<String> live = new ArrayList<>();
        for (int wait = 0; ; wait++) {
            appendLock.lock();
            try {
                if (!finishing.containsKey(number)) {
                    segmentOf.forEach((id, segment) -> {
                        if (segment == number) {
                            live.add(id);
                        }
                    });
                    break;
                }
            } finally {
                appendLock.unlock();
            }
            if (wait == 60_000) {
                log.error("spool log: commits into segment {} did not finish within a minute; it stays and is replayed"
                        + " at the next start", number);
                return;
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                return;
            }
        }
        try {
            checkpoint.force(live);
            appendLock.lock();
            try {
                live.forEach(id -> segmentOf.remove(id, number));
            } finally {
                appendLock.unlock();
            }
            Files.deleteIfExists(directory.resolve(String.format("%012d.log", number)));
        } catch (IOException e) {
            log.error("spool log: cannot checkpoint segment {} ({}); it stays and is replayed at the next start",
                    number, e.toString());
        }
    }


    void close() {
        appendLock.lock();
        try {
            if (active != null) {
                active.close();
            }
        } catch (IOException e) {
            log.warn("spool log: closing {}: {}", directory, e.toString());
        } finally {
            appendLock.unlock();
        }
    }
}
