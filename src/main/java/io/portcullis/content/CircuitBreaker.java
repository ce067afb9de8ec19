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
 * lock), and this node's opening and closing are written there.
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
            sharedOpenUntilNanos = now + shared.remainingOpenMillis() * 1_000_000;
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
        if (wasOpen && shared != null) {
            sharedOpenUntilNanos = System.nanoTime();
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
