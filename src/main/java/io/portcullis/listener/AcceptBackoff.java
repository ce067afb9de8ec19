package io.portcullis.listener;

import java.time.Duration;

/**
 * The pause after a failed accept, doubling from {@link #FIRST} to {@link #MAX} while accepts keep
 * failing, and the decision when to log: the first failure, then at most once per {@link
 * #LOG_INTERVAL} with the number of failures not logged meanwhile. One per accept loop; not
 * thread-safe.
 */
final class AcceptBackoff {
    static final Duration FIRST = Duration.ofMillis(10);
    static final Duration MAX = Duration.ofSeconds(1);
    static final Duration LOG_INTERVAL = Duration.ofSeconds(10);

    private Duration delay = Duration.ZERO;
    private long lastLogNanos;
    private boolean logged;
    private long unlogged;

    /**
     * Records a failure; returns the text to append to a log line when this failure should be
     * logged (empty or " (N more since the last report)"), null when it should not.
     */
    String failed() {
        delay = delay.isZero() ? FIRST : delay.multipliedBy(2).compareTo(MAX) > 0 ? MAX : delay.multipliedBy(2);
        long now = System.nanoTime();
        if (logged && now - lastLogNanos < LOG_INTERVAL.toNanos()) {
            unlogged++;
            return null;
        }
        String summary = unlogged == 0 ? "" : " (" + unlogged + " more since the last report)";
        logged = true;
        lastLogNanos = now;
        unlogged = 0;
        return summary + "; retrying in up to " + MAX.toMillis() + " ms";
    }

    /** How long to wait before the next accept. */
    Duration delay() {
        return delay;
    }

    /**
     * An accept worked: the next failure starts from the shortest pause again. The log interval
     * stands, so accepts that fail and work by turns (descriptors freed one at a time) still give
     * at most one line per interval.
     */
    void succeeded() {
        delay = Duration.ZERO;
    }
}
