package io.portcullis.spool;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable queue. A message is in the queue when, and only when, its record file
 * {@code queue/ID.msg} is there; every other state is incomplete and is removed at start-up.
 *
 * <h2>Durability protocol</h2>
 * <ol>
 *   <li><b>Write.</b> The message streams into a file in {@code incoming/} as it arrives: a new
 *       {@code ID.eml} (opened with CREATE_NEW, so two messages can never share a file), or a
 *       recycled file (below) written over from its start.</li>
 *   <li><b>Fsync.</b> At the end of DATA the envelope is appended to the same file as a trailer
 *       (JSON, then its length and a magic number: {@link RecordTrailer}; {@link StoredMessage} reads the content before
 *       it). A record of up to {@value #LOGGED_MAX} octets is then appended, whole, to the spool
 *       log ({@link CommitLog}), which is forced once for every session committing at the same
 *       time (group commit); a larger one is forced to disk in its own file.</li>
 *   <li><b>Commit.</b> The file is renamed to {@code queue/ID.msg}. The rename is the commit point:
 *       it is atomic, so the record is either absent or complete. A recycled file is first cut
 *       to the length just written, so nothing of its former message follows the trailer.</li>
 *   <li><b>Directory fsync.</b> For a record forced in its own file, the {@code queue} directory is
 *       forced, making the rename durable, group-committed as well ({@link GroupSync}). A logged
 *       record needs neither: the log already holds it. Only now may the session answer
 *       {@code 250}.</li>
 *   <li><b>Delivery journal.</b> What becomes of each recipient is appended to {@code queue/ID.dlv}
 *       and forced before the scheduler acts on it (see {@link DeliveryRecord}); a journal's first
 *       line also forces {@code queue/} (group-committed), or a crash could lose the file's name
 *       and with it a hold or a final recipient; an attempt that
 *       delivers every open recipient writes none, since the removal that follows says the same
 *       (a crash before the removal is durable means one more delivery, never a loss). A message
 *       whose recipients are all final is removed record first, so a crash mid-removal leaves
 *       either a queued message whose journal says it is done (removed again) or a stray journal
 *       that recovery removes. A removed record whose commit the log holds is not unlinked but
 *       renamed into {@code incoming/} and written over by a later message once the log's done
 *       entry for it is on disk ({@link RecycledFiles}); a rename out of {@code queue/} removes
 *       the record just as atomically as an unlink.</li>
 *   <li><b>Recovery.</b> At start-up everything in {@code incoming/} is deleted (no client heard
 *       250 for it). Every record in the log that no done entry (written at removal) follows is
 *       written out again as {@code queue/ID.msg} and forced, the directory forced, and the log
 *       started afresh; the log's old segments are also checkpointed while running (see
 *       {@link CommitLog}). A journal without its record (a crash during removal) is deleted. A record
 *       whose trailer cannot be read cannot arise from this protocol; if one is found (disk
 *       damage, a hand edit) it is moved to {@code corrupt/} and reported, never silently dropped.
 *       Spools written before records had trailers ({@code ID.eml} beside {@code ID.env}) are
 *       still read, with the rules they were written under.</li>
 * </ol>
 * A failure anywhere before the directory fsync deletes the incoming file and the session answers
 * {@code 451 4.3.0}.
 *
 * <p><b>Held messages.</b> A message committed with a quarantine reason goes to the {@link
 * HoldingArea} when one is attached ({@link #holdIn}; the gateway attaches its quarantine store)
 * instead of {@code queue/}: its record is written and forced as in step 2 (never through the
 * log), then the holding area renames it out of {@code incoming/} and forces its own directory
 * before the session may answer {@code 250}. A crash before that rename leaves the file in
 * {@code incoming/}, which recovery removes (no client heard 250 for it).
 *
 * <p>Every force and rename above goes through {@link DiskSync}; {@code SpoolDurabilityOrderTest}
 * puts a recorder there that keeps what a power failure would leave after each call and recovers
 * from it. Files are created {@code 0600} in {@code 0700} folders ({@link PrivateFiles}), the mode
 * given to open(2) itself; a recycled file keeps the mode it was created with.
 */
public final class Spool {
    private static final Logger log = LoggerFactory.getLogger(Spool.class);
    static final String MESSAGE_SUFFIX = ".eml";
    private final String nodeId;
    static final String ENVELOPE_SUFFIX = ".env";
    static final String JOURNAL_SUFFIX = ".dlv";
    static final String RECORD_SUFFIX = ".msg";
    /** Records up to this size go through the group-committed log; larger ones are forced in their own file. */
    static final int LOGGED_MAX = 256 * 1024;

    private final Path incoming;
    private final Path queue;
    private final Path corrupt;
    private final long minFreeBytes;
    private final FileStore store;
    private final List<java.util.function.Consumer<Envelope>> commitListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final ObjectMapper json = Json.MAPPER;
    private final GroupSync queueSync;
    private final CommitLog commitLog;
    private static final long FREE_SPACE_RECHECK_NANOS = 1_000_000_000L;
    private volatile long freeSpaceCheckedAt;
    private volatile boolean enoughFreeSpace;
    private final RecycledFiles recycled;
    private final DiskSync disk;
    private volatile HoldingArea holdingArea;
    /** Messages created and not yet committed or aborted: sessions that will commit soon. */
    private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();

    /** What recovery found at start-up. */
    public record Recovery(int queued, int restoredFromLog, int removedIncomplete, int movedToCorrupt) {
    }

    public Spool(Path directory, long minFreeBytes) throws IOException {
        this(directory, minFreeBytes, CommitLog.SEGMENT_BYTES);
    }

    /** A node's spool: the ids of the messages it takes end with {@code -nodeId} ({@link QueueId}). */
    public Spool(Path directory, long minFreeBytes, String nodeId) throws IOException {
        this(directory, minFreeBytes, CommitLog.SEGMENT_BYTES, DiskSync.SYSTEM, nodeId);
    }

    Spool(Path directory, long minFreeBytes, long logSegmentBytes) throws IOException {
        this(directory, minFreeBytes, logSegmentBytes, DiskSync.SYSTEM);
    }

    /** With the given force and rename calls: the durability tests record them. */
    Spool(Path directory, long minFreeBytes, long logSegmentBytes, DiskSync disk) throws IOException {
        this(directory, minFreeBytes, logSegmentBytes, disk, null);
    }

    private Spool(Path directory, long minFreeBytes, long logSegmentBytes, DiskSync disk, String nodeId) throws IOException {
        this.nodeId = nodeId;
        this.disk = disk;
        this.incoming = PrivateFiles.createDirectories(directory.resolve("incoming"));
        this.queue = PrivateFiles.createDirectories(directory.resolve("queue"));
        this.corrupt = PrivateFiles.createDirectories(directory.resolve("corrupt"));
        this.minFreeBytes = minFreeBytes;
        this.store = Files.getFileStore(queue);
        this.queueSync = GroupSync.forDirectory(queue, disk);
        this.recycled = new RecycledFiles(incoming, disk);
        this.commitLog = new CommitLog(directory.resolve("log"), logSegmentBytes, this::forceRecords, inFlight::get, disk);
    }

    /** Brings the spool to a consistent state; run once at start-up before any listener opens. */
    public Recovery recover() throws IOException {
        return new SpoolRecovery(incoming, queue, corrupt, commitLog, disk).run();
    }

    /**
     * False when the disk holding the queue has less free space than configured. Asked at every
     * MAIL, answered from a reading at most a second old.
     */
    public boolean hasFreeSpace() {
        long now = System.nanoTime();
        if (now - freeSpaceCheckedAt < FREE_SPACE_RECHECK_NANOS && freeSpaceCheckedAt != 0) {
            return enoughFreeSpace;
        }
        try {
            enoughFreeSpace = store.getUsableSpace() >= minFreeBytes;
        } catch (IOException e) {
            log.warn("spool: cannot read free space: {}", e.toString());
            enoughFreeSpace = false;
        }
        freeSpaceCheckedAt = now;
        return enoughFreeSpace;
    }

    /** Free bytes on the disk holding the queue, for the metrics ({@code -1} when it cannot be read). */
    public long usableBytes() {
        try {
            return store.getUsableSpace();
        } catch (IOException e) {
            return -1;
        }
    }

    /** The configured {@code spool.min-free-space}: below it, MAIL is answered 452. */
    public long minFreeBytes() {
        return minFreeBytes;
    }

    /** Starts a new message with a fresh queue id; the caller must commit or abort it. */
    public IncomingMessage create() throws IOException {
        IncomingMessage message = open();
        inFlight.incrementAndGet();
        return message;
    }

    /** From now on, messages committed with a quarantine reason go to {@code area} instead of the queue. */
    public void holdIn(HoldingArea area) {
        this.holdingArea = area;
    }

    /** Where held messages go, or null: they are queued, held, as before (see the delivery journal). */
    HoldingArea holdingArea() {
        return holdingArea;
    }

    /** The node whose ids this spool gives new messages, or null (ids without a node, as before node ids). */
    public String nodeId() {
        return nodeId;
    }

    /** The force and rename calls every write of the spool goes through. */
    DiskSync disk() {
        return disk;
    }

    /** An incoming message was committed or dropped. */
    void finished() {
        inFlight.decrementAndGet();
    }

    private IncomingMessage open() throws IOException {
        for (Path free = recycled.take(commitLog.durable()); free != null; free = recycled.take(commitLog.durable())) {
            try {
                return new IncomingMessage(this, QueueId.next(nodeId), free, FileChannel.open(free, StandardOpenOption.READ,
                        StandardOpenOption.WRITE, java.nio.file.LinkOption.NOFOLLOW_LINKS), true); // keeps its mode
            } catch (NoSuchFileException e) {
                // gone meanwhile (recovery cleared incoming/): take the next, or a new file
            }
        }
        for (int attempt = 0; ; attempt++) {
            String id = QueueId.next(nodeId);
            try {
                Path file = incoming.resolve(id + MESSAGE_SUFFIX);
                FileChannel channel = FileChannel.open(file, PrivateFiles.CREATE_NEW, PrivateFiles.FILE);
                return new IncomingMessage(this, id, file, channel, false);
            } catch (FileAlreadyExistsException e) {
                if (attempt == 3) {
                    throw e;
                }
            }
        }
    }

    /** Steps 3 and 4 of the protocol for a message whose record (content and trailer) is written and forced. */
    void commit(String id, Path file, Envelope envelope) throws IOException {
        disk.rename(file, queue.resolve(id + RECORD_SUFFIX));
        queueSync.sync(); // group commit: one fsync of queue/ for every session committing now
        committed(id, envelope);
    }

    /** Steps 2 to 4 for a small record: into the log (forced with others), then into place. */
    void commitLogged(String id, Path file, byte[] record, Envelope envelope) throws IOException {
        long segment;
        try {
            segment = commitLog.commit(id, record);
        } catch (IOException e) {
            forgetLogged(id); // the session answers 451: should the entry reach the disk after all, recovery skips it
            throw e;
        }
        try {
            disk.rename(file, queue.resolve(id + RECORD_SUFFIX));
        } catch (IOException | RuntimeException e) {
            forgetLogged(id); // not queued after all: the session answers 451, recovery must not restore it
            throw e;
        } finally {
            commitLog.placed(segment);
        }
        committed(id, envelope);
    }

    private void forgetLogged(String id) {
        try {
            commitLog.done(id);
        } catch (IOException e) {
            log.warn("spool: cannot mark {} as not queued in the log: {}", id, e.toString());
        }
    }

    private void committed(String id, Envelope envelope) {
        for (java.util.function.Consumer<Envelope> listener : commitListeners) {
            try {
                listener.accept(envelope);
            } catch (RuntimeException e) {
                // The message is committed and stays queued; the scheduler finds it at its next start.
                log.error("spool: a commit listener failed for {}: {}", id, e.toString());
            }
        }
    }

    /** For a log checkpoint: forces these messages' records and the queue directory. */
    private void forceRecords(List<String> ids) throws IOException {
        for (String id : ids) {
            Path record = queue.resolve(id + RECORD_SUFFIX);
            try (FileChannel channel = FileChannel.open(record, StandardOpenOption.READ)) {
                disk.force(channel, record);
            } catch (NoSuchFileException e) {
                // removed meanwhile: nothing to keep
            }
        }
        disk.forceDirectory(queue);
    }

    /** Releases the log's open segment. */
    public void close() {
        commitLog.close();
    }

    /** Removes whatever an unfinished message left in {@code incoming/}. */
    void discard(String id, Path incomingFile) {
        if (Files.exists(queue.resolve(id + RECORD_SUFFIX))) {
            return; // committed after all: nothing to remove
        }
        for (Path file : List.of(incomingFile, incomingFile.resolveSibling(incomingFile.getFileName() + ".new"))) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                log.warn("spool: cannot remove {}: {} (recovery will)", file, e.toString());
            }
        }
    }

    /** Appends records to the message's delivery journal and forces them to disk. */
    public void appendJournal(String id, List<DeliveryRecord> records) throws IOException {
        if (records.isEmpty()) {
            return;
        }
        java.io.ByteArrayOutputStream lines = new java.io.ByteArrayOutputStream();
        for (DeliveryRecord record : records) {
            lines.write(json.writeValueAsBytes(record));
            lines.write('\n');
        }
        Path journal = queuedFile(id, JOURNAL_SUFFIX);
        boolean created;
        try (FileChannel channel = PrivateFiles.openAppend(journal)) {
            created = channel.size() == 0;
            java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(lines.toByteArray());
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            disk.force(channel, journal);
        }
        if (created) {
            queueSync.sync(); // a new journal's name: without it a crash could lose a hold or a final recipient
        }
    }

    /**
     * The journal so far. A last line cut short by a crash is ignored: its fsync never returned,
     * so nothing was acted on because of it.
     */
    public List<DeliveryRecord> readJournal(String id) throws IOException {
        Path file = queuedFile(id, JOURNAL_SUFFIX);
        List<DeliveryRecord> records = new ArrayList<>();
        if (!Files.exists(file)) {
            return records;
        }
        for (String line : Files.readAllLines(file, java.nio.charset.StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            try {
                records.add(json.readValue(line, DeliveryRecord.class));
            } catch (IOException e) {
                log.warn("spool: ignoring an incomplete journal line of {}", id);
            }
        }
        return records;
    }

    /**
     * Removes a finished message: its record first (the commit marker; renamed into
     * {@code incoming/} for reuse while there is room, else deleted), then its journal.
     */
    public void remove(String id) throws IOException {
        Path record = queuedFile(id, RECORD_SUFFIX);
        long doneAt = commitLog.done(id);
        // Only a record the log can vouch for is recycled: its done entry reaches the disk before
        // the file is written over, and recovery deletes a name such an entry covers, so a lost
        // rename can never queue a later message's octets under this message's name.
        if ((doneAt < 0 || !recycled.keep(record, doneAt)) && !Files.deleteIfExists(record)) {
            Files.deleteIfExists(queuedFile(id, ENVELOPE_SUFFIX)); // an older spool's pair
            Files.deleteIfExists(queuedFile(id, MESSAGE_SUFFIX));
        }
        Files.deleteIfExists(queuedFile(id, JOURNAL_SUFFIX));
    }

    /**
     * Called after every commit with the committed envelope, in the order registered: telemetry
     * first (so a message is recorded as received before anything can deliver it), then the
     * in-memory hand-off to delivery.
     */
    public void onCommit(java.util.function.Consumer<Envelope> listener) {
        commitListeners.add(listener);
    }

    /** Ids of all committed messages, oldest first. */
    public List<String> queuedIds() throws IOException {
        List<String> ids = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(queue, "*{" + RECORD_SUFFIX + "," + ENVELOPE_SUFFIX + "}")) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                ids.add(name.substring(0, name.lastIndexOf('.')));
            }
        }
        ids.sort(null);
        return ids;
    }

    public Envelope readEnvelope(String id) throws IOException {
        Path record = queuedFile(id, RECORD_SUFFIX);
        if (Files.exists(record)) {
            return RecordTrailer.envelope(record);
        }
        return json.readValue(queuedFile(id, ENVELOPE_SUFFIX).toFile(), Envelope.class);
    }

    /**
     * A committed message read without opening the spool, for {@code queue cat} beside a running
     * gateway: a committed file never changes (it is only removed), so reading it takes no lock.
     */
    public static StoredMessage committedMessage(Path directory, String id) throws IOException {
        if (!QueueId.isValid(id)) {
            throw new NoSuchFileException(id + ": not a queue id");
        }
        Path record = directory.resolve("queue").resolve(id + RECORD_SUFFIX);
        try (FileChannel channel = FileChannel.open(record, StandardOpenOption.READ)) {
            return new StoredMessage(record, RecordTrailer.contentLength(channel));
        } catch (NoSuchFileException e) {
            // an older spool's pair, read below
        }
        Path legacy = directory.resolve("queue").resolve(id + MESSAGE_SUFFIX);
        return new StoredMessage(legacy, Files.size(legacy));
    }

    /** The committed message: exactly the octets that will be delivered. */
    public StoredMessage message(String id) throws IOException {
        Path record = queuedFile(id, RECORD_SUFFIX);
        try (FileChannel channel = FileChannel.open(record, StandardOpenOption.READ)) {
            return new StoredMessage(record, RecordTrailer.contentLength(channel)); // every attempt: the footer, not the JSON
        } catch (NoSuchFileException e) {
            // an older spool's pair, read below
        }
        Path legacy = queuedFile(id, MESSAGE_SUFFIX);
        return new StoredMessage(legacy, Files.size(legacy));
    }

    private Path queuedFile(String id, String suffix) throws IOException {
        if (!QueueId.isValid(id)) {
            throw new NoSuchFileException("not a queue id: " + id);
        }
        return queue.resolve(id + suffix);
    }

    static Path sibling(Path file, String suffix) {
        String name = file.getFileName().toString();
        return file.resolveSibling(name.substring(0, name.lastIndexOf('.')) + suffix);
    }

    /** Makes the renames into and out of {@code directory} durable. */
    static void forceDirectory(Path directory) throws IOException {
        DiskSync.SYSTEM.forceDirectory(directory);
    }
}
