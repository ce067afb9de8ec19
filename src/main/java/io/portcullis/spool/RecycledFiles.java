package io.portcullis.spool;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Removed records kept in {@code incoming/} as {@code free-N}, to be written over by later
 * messages: creating and deleting an inode per message was the most expensive file-system work of
 * the whole path. A file is handed out only once the log entry saying its record was removed is on
 * disk (see {@link Spool#remove}); at most {@value #MAX_FILES} are kept, the rest are deleted.
 */
final class RecycledFiles {
    static final int MAX_FILES = 256;
    private static final String PREFIX = "free-";

    private record Entry(Path file, long doneAt) {
    }

    private final Path directory;
    private final DiskSync disk;
    private final ConcurrentLinkedQueue<Entry> files = new ConcurrentLinkedQueue<>();
    private final AtomicInteger count = new AtomicInteger();
    private final AtomicLong names = new AtomicLong();

    RecycledFiles(Path directory, DiskSync disk) {
        this.directory = directory;
        this.disk = disk;
    }

    /** True for a kept file (not an incomplete message) when recovery clears {@code incoming/}. */
    static boolean isRecycled(Path file) {
        return file.getFileName().toString().startsWith(PREFIX);
    }

    /**
     * Renames a removed record into {@code incoming/}, to be handed out once the log's forced
     * octets reach {@code doneAt}; false when it is not kept (full, or the record is gone).
     */
    boolean keep(Path record, long doneAt) throws IOException {
        if (count.incrementAndGet() > MAX_FILES) {
            count.decrementAndGet();
            return false;
        }
        Path free = directory.resolve(PREFIX + names.incrementAndGet());
        try {
            disk.rename(record, free);
        } catch (NoSuchFileException e) {
            count.decrementAndGet();
            return false;
        }
        files.add(new Entry(free, doneAt));
        return true;
    }

    /** The oldest kept file whose removal is on disk ({@code durable} octets of the log forced), or null. */
    Path take(long durable) {
        for (Entry head = files.peek(); head != null && head.doneAt() <= durable; head = files.peek()) {
            if (files.remove(head)) {
                count.decrementAndGet();
                return head.file();
            } // else another session took it: look again
        }
        return null;
    }
}
