package io.portcullis.spool;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Group commit: a caller returns only after a force (of a directory, or of the spool log) that
 * began after its call, so whatever it renamed into the directory or appended to the log before
 * calling is durable. Callers
 * that arrive while an fsync is running join the next batch, which one of them runs for all: under
 * load many sessions share each fsync; alone, a caller pays for exactly one.
 */
final class GroupSync {
    /** One fsync and everyone waiting for it. */
    private static final class Batch {
        int members;
        boolean done;
        IOException error;
    }

    /** The force itself. */
    @FunctionalInterface
    interface Force {
        void run() throws IOException;
    }

    private final String what;
    private final Force force;
    private final long gatherNanos;
    private final java.util.function.IntSupplier inFlight;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition finished = lock.newCondition();
    private Batch next = new Batch();
    private boolean syncing;

    GroupSync(String what, Force force) {
        this(what, force, 0, () -> 0);
    }

    /**
     * With gathering: when more callers are on their way ({@code inFlight} counts those that will
     * call and those already waiting), the one that runs the force first waits up to
     * {@code gatherNanos} for them to join its batch, so one force serves several even when each
     * force is shorter than the time between two callers.
     */
    GroupSync(String what, Force force, long gatherNanos, java.util.function.IntSupplier inFlight) {
        this.what = what;
        this.force = force;
        this.gatherNanos = gatherNanos;
        this.inFlight = inFlight;
    }

    /** Group commit for the renames into a directory. */
    static GroupSync forDirectory(Path directory, DiskSync disk) {
        return new GroupSync(directory.toString(), () -> disk.forceDirectory(directory));
    }

    void sync() throws IOException {
        lock.lock();
        try {
            Batch mine = next; // replaced only when a batch starts: this one has not started yet
            mine.members++;
            while (!mine.done) {
                if (syncing) {
                    finished.awaitUninterruptibly();
                    continue;
                }
                syncing = true;
                if (gatherNanos > 0 && inFlight.getAsInt() > mine.members) {
                    lock.unlock(); // callers arriving now join this batch (next is still mine)
                    java.util.concurrent.locks.LockSupport.parkNanos(gatherNanos);
                    lock.lock();
                }
                next = new Batch();
                IOException error = null;
                lock.unlock();
                boolean interrupted = Thread.interrupted(); // it forces for others: an interrupt must not close the channel
                try {
                    force.run();
                } catch (IOException e) {
                    error = e;
                } finally {
                    lock.lock();
                    if (interrupted) {
                        Thread.currentThread().interrupt();
                    }
                }
                mine.error = error;
                mine.done = true;
                syncing = false;
                finished.signalAll();
            }
            if (mine.error != null) {
                throw new IOException("fsync of " + what + " failed: " + mine.error.getMessage(), mine.error);
            }
        } finally {
            lock.unlock();
        }
    }
}
