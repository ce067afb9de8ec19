package io.portcullis.content;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Stops calling a check that keeps failing. After {@code threshold} failures in a row the circuit
 * opens: for {@code openFor} every call is answered at once as a failure, without waiting for the
 * scanner. Then one call is let through as a trial; success closes the circuit, failure opens it
 * again for another period. With a {@link SharedCircuit} (several nodes, Redis), a circuit opened
 * on any node counts as open here too (read at most once a second, by one caller, never under the
 * lock), and this node's opening and closing are written there. A circuit another node opened holds
 * here for at most this node's own {@code openFor} from when it was first seen open: a node with a
 * far longer period (a careless edit, an old config) cannot keep the scanner from every node for
 * that long; this node then tries the scanner itself, and a success closes the shared circuit.
 */
public final class CircuitBreaker {
    public static final int DEFAULT_THRESHOLD = 5;
    public static final Duration DEFAULT_OPEN_FOR = Duration.ofSeconds(30);

    private final int threshold;
    private final Duration openFor;
    private final Clock clock;
    private int failuresInARow;
    private Instant openUntil;
    private boolean trialInFlight;
    private final SharedCircuit shared;
    /** The shared circuit's state as last read: open until this (System.nanoTime), and when to read it again. */
    private volatile long sharedOpenUntilNanos;
    /** When this node first saw the shared circuit open ({@code clock}), null while it is closed. */
    private volatile Instant sharedOpenSince;
    private final java.util.concurrent.atomic.AtomicLong nextSharedReadNanos = new java.util.concurrent.atomic.AtomicLong(System.nanoTime());
    private static final long SHARED_READ_EVERY_NANOS = Duration.ofSeconds(1).toNanos();

    public CircuitBreaker(int threshold, Duration openFor, Clock clock) {
        this(threshold, openFor, clock, null);
    }

    /** @param shared where the circuit's open state is shared with other nodes, or null for none */
    public CircuitBreaker(int threshold, Duration openFor, Clock clock, SharedCircuit shared) {
        this.threshold = threshold;
        this.openFor = openFor;
        this.clock = clock;
        this.shared = shared;
    }

    /** False while the circuit is open (here, or on another node): the caller must not contact the scanner. */
    public boolean allowsCall() {
        return !sharedOpen() && allowsLocally();
    }

    private boolean sharedOpen() {
        if (shared == null) {
            return false;
        }
        long now = System.nanoTime();
        long next = nextSharedReadNanos.get();
        if (now - next >= 0 && nextSharedReadNanos.compareAndSet(next, now + SHARED_READ_EVERY_NANOS)) {
            long remaining = shared.remainingOpenMillis();
            if (remaining <= 0) {
                sharedOpenSince = null;
            } else {
                Instant seen = clock.instant();
                Instant since = sharedOpenSince;
                if (since == null) {
                    since = seen;
                    sharedOpenSince = seen;
                }
                long ownLeft = Math.max(0, Duration.between(seen, since.plus(openFor)).toMillis());
                remaining = Math.min(remaining, ownLeft);
            }
            sharedOpenUntilNanos = now + remaining * 1_000_000;
        }
        return sharedOpenUntilNanos - now > 0;
    }

    private synchronized boolean allowsLocally() {
        if (openUntil == null) {
            return true;
        }
        if (clock.instant().isBefore(openUntil) || trialInFlight) {
            return false;
        }
        trialInFlight = true;
        return true;
    }

    public void succeeded() {
        boolean wasOpen;
        synchronized (this) {
            wasOpen = openUntil != null;
            failuresInARow = 0;
            openUntil = null;
            trialInFlight = false;
        }
        if ((wasOpen || sharedOpenSince != null) && shared != null) {
            sharedOpenUntilNanos = System.nanoTime();
            sharedOpenSince = null;
            shared.closed();
        }
    }

    public void failed() {
        boolean opened;
        synchronized (this) {
            failuresInARow++;
            opened = trialInFlight || failuresInARow >= threshold;
            if (opened) {
                openUntil = clock.instant().plus(openFor);
            }
            trialInFlight = false;
        }
        if (opened && shared != null) {
            shared.opened(openFor.toMillis());
        }
    }

}
