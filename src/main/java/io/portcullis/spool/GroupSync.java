package io.portcullis.spool;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Group commit for a directory: a caller returns only after an fsync of the directory that began
 * after its call, so whatever it renamed into the directory before calling is durable. Callers
 * that arrive while an fsync is running join the next batch, which one of them runs for all: under
 * load many sessions share each fsync; alone, a caller pays for exactly one.
 */
final class GroupSync {
    /** One fsync and everyone waiting for it. */
    private static final class Batch {
        boolean done;
        IOException error;
    }

    private final Path directory;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition finished = lock.newCondition();
    private Batch next = new Batch();
    private boolean syncing;

    GroupSync(Path directory) {
        this.directory = directory;
    }

    void sync() throws IOException {
        lock.lock();
        try {
            Batch mine = next; // replaced only when a batch starts: this one has not started yet
            while (!mine.done) {
                if (syncing) {
                    finished.awaitUninterruptibly();
                    continue;
                }
                syncing = true;
                next = new Batch();
                IOException error = null;
                lock.unlock();
                try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
                    channel.force(true);
                } catch (IOException e) {
                    error = e;
                } finally {
                    lock.lock();
                }
                mine.error = error;
                mine.done = true;
                syncing = false;
                finished.signalAll();
            }
            if (mine.error != null) {
                throw new IOException("fsync of " + directory + " failed: " + mine.error.getMessage(), mine.error);
            }
        } finally {
            lock.unlock();
        }
    }
}
