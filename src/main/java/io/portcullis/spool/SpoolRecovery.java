package io.portcullis.spool;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up recovery of the spool (the last step of the durability protocol described in {@link
 * Spool}): deletes what {@code incoming/} holds (no client heard 250 for it), writes out again every
 * record the commit log holds without a done entry, starts the log afresh, removes journals whose
 * record is gone, and moves a record whose trailer cannot be read to {@code corrupt/} with an error
 * in the log, never silently dropping it.
 */
final class SpoolRecovery {
    private static final Logger log = LoggerFactory.getLogger(Spool.class);
    private final Path incoming;
    private final Path queue;
    private final Path corrupt;
    private final CommitLog commitLog;
    private final DiskSync disk;

    SpoolRecovery(Path incoming, Path queue, Path corrupt, CommitLog commitLog, DiskSync disk) {
        this.incoming = incoming;
        this.queue = queue;
        this.corrupt = corrupt;
        this.commitLog = commitLog;
        this.disk = disk;
    }

    /** Step 6 of the protocol in {@link Spool}: what is left after a crash is removed, restored or set aside. */
    Spool.Recovery run() throws IOException {
        int removed = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(incoming)) {
            for (Path file : files) {
                Files.deleteIfExists(file);
                if (!RecycledFiles.isRecycled(file)) {
                    removed++; // a recycled record waiting to be written over is not an incomplete message
                }
            }
        }
        int restored = 0;
        CommitLog.Replay replay = commitLog.replay();
        for (String id : replay.done()) {
            // Delivered and removed; if the rename that removed it did not reach the disk, the name
            // may point at a file a later message was written into.
            Files.deleteIfExists(queue.resolve(id + Spool.RECORD_SUFFIX));
        }
        for (CommitLog.Replayed record : replay.open()) {
            Path file = incoming.resolve(record.id() + ".restored");
            try (FileChannel channel = FileChannel.open(file, PrivateFiles.CREATE_NEW, PrivateFiles.FILE)) {
                java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(record.record());
                while (bytes.hasRemaining()) {
                    channel.write(bytes);
                }
                disk.force(channel, file);
            }
            disk.rename(file, queue.resolve(record.id() + Spool.RECORD_SUFFIX));
            restored++;
        }
        disk.forceDirectory(queue); // the restored records and the removals above, before the log forgets them
        commitLog.start(); // every replayed record is durable in its own file now
        int queued = 0;
        int movedToCorrupt = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(queue)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                if (name.endsWith(Spool.RECORD_SUFFIX)) {
                    try {
                        RecordTrailer.envelope(file);
                        queued++;
                    } catch (IOException e) {
                        log.error("spool: record {} is damaged ({}); moved to {}", file, e.getMessage(), corrupt);
                        Files.move(file, corrupt.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                        movedToCorrupt++;
                    }
                } else if (name.endsWith(Spool.JOURNAL_SUFFIX) && !Files.exists(Spool.sibling(file, Spool.RECORD_SUFFIX))
                        && !Files.exists(Spool.sibling(file, Spool.ENVELOPE_SUFFIX))) {
                    Files.deleteIfExists(file);
                    removed++;
                } else if (name.endsWith(Spool.MESSAGE_SUFFIX) && !Files.exists(Spool.sibling(file, Spool.ENVELOPE_SUFFIX))) {
                    Files.deleteIfExists(file); // an older spool's message without its envelope
                    removed++;
                } else if (name.endsWith(Spool.ENVELOPE_SUFFIX)) {
                    if (Files.exists(Spool.sibling(file, Spool.MESSAGE_SUFFIX))) {
                        queued++;
                    } else {
                        log.error("spool: envelope {} has no message file; moved to {}", file, corrupt);
                        Files.move(file, corrupt.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                        movedToCorrupt++;
                    }
                }
            }
        }
        disk.forceDirectory(incoming);
        disk.forceDirectory(queue);
        return new Spool.Recovery(queued, restored, removed, movedToCorrupt);
    }
}
