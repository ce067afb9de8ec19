package io.portcullis.content;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Stops calling a check that keeps failing. After {@code threshold} failures in a row the circuit
 * opens: for {@code openFor} every call is answered at once as a failure, without waiting for the
 * scanner. Then one call is let through as a trial; success closes the circuit, failure opens it
 * again for another period.
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

    public CircuitBreaker(int threshold, Duration openFor, Clock clock) {
        this.threshold = threshold;
        this.openFor = openFor;
        this.clock = clock;
    }

    /** False while the circuit is open: the caller must not contact the scanner. */
    public synchronized boolean allowsCall() {
        if (openUntil == null) {
            return true;
        }
        if (clock.instant().isBefore(openUntil) || trialInFlight) {
            return false;
        }
        trialInFlight = true;
        return true;
    }

    public synchronized void succeeded() {
        failuresInARow = 0;
        openUntil = null;
        trialInFlight = false;
    }

    public synchronized void failed() {
        failuresInARow++;
        if (trialInFlight || failuresInARow >= threshold) {
            openUntil = clock.instant().plus(openFor);
        }
        trialInFlight = false;
    }

}
