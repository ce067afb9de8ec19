package io.portcullis.delivery;

import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * Deadlines a blocking socket cannot keep by itself. SO_TIMEOUT bounds each single read, so a next
 * hop trickling one byte at a time (or a TLS record at a time) could stretch a reply for ever, and
 * nothing at all bounds a write or a TLS handshake: a next hop that stops reading mid-DATA would
 * block our write, and the delivery slot, for good.
 *
 * <p>Each client connection registers one {@link Guard}, arms it around every blocking step and
 * disarms it afterwards (two volatile writes: cheap enough for every socket write). One daemon
 * thread looks at the armed guards every {@value #TICK_MILLIS} ms and closes the TCP socket of any
 * whose deadline has passed; the blocked call then fails, and {@link Guard#fired()} tells the
 * caller that it was a timeout. With no connections registered the thread parks.
 */
final class DeadlineWatchdog {
    static final long TICK_MILLIS = 100;

    private static final Set<Guard> GUARDS = ConcurrentHashMap.newKeySet();
    private static final Thread THREAD = Thread.ofPlatform().name("delivery-deadlines").daemon()
            .start(DeadlineWatchdog::watch);

    private DeadlineWatchdog() {
    }

    /** A guard for one connection; {@link Guard#close()} it when the connection closes. */
    static Guard register(Socket socket) {
        Guard guard = new Guard(socket);
        GUARDS.add(guard);
        LockSupport.unpark(THREAD);
        return guard;
    }

    private static void watch() {
        while (true) {
            if (GUARDS.isEmpty()) {
                LockSupport.park(); // register() unparks; a permit given before we park is kept
                continue;
            }
            try {
                Thread.sleep(TICK_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (Guard guard : GUARDS) {
                guard.check(now);
            }
        }
    }

    /** The deadline of one connection's current blocking step. */
    static final class Guard implements AutoCloseable {
        private final Socket socket;
        private volatile long deadlineNanos; // System.nanoTime() of the deadline; 0 while disarmed
        private volatile boolean fired;

        private Guard(Socket socket) {
            this.socket = socket;
        }

        /** The next blocking step must be over within {@code timeout}, or the connection is closed. */
        void arm(Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            deadlineNanos = deadline == 0 ? 1 : deadline;
        }

        void disarm() {
            deadlineNanos = 0;
        }

        /** True once the watchdog has closed the connection because a deadline passed. */
        boolean fired() {
            return fired;
        }

        private void check(long now) {
            long deadline = deadlineNanos;
            if (deadline != 0 && now - deadline >= 0) {
                fired = true;
                GUARDS.remove(this);
                try {
                    socket.close(); // the TCP socket, also under TLS: unblocks a blocked read, write or handshake
                } catch (IOException ignored) {
                    // closed either way
                }
            }
        }

        @Override
        public void close() {
            GUARDS.remove(this);
        }
    }
}
