package io.portcullis.delivery;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Per-destination limits of one connector: at most N connections at once, and at most R messages
 * per minute, paced evenly. A destination is a recipient domain (MX) or the smarthost set.
 */
final class DestinationLimits {
    private final int maxConnections;
    private final long nanosPerMessage;
    private final ConcurrentHashMap<String, Semaphore> connections = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Long> nextSlot = new ConcurrentHashMap<>();

    DestinationLimits(int maxConnections, int messagesPerMinute) {
        this.maxConnections = maxConnections;
        this.nanosPerMessage = messagesPerMinute == 0 ? 0 : TimeUnit.MINUTES.toNanos(1) / messagesPerMinute;
    }

    /** Blocks (a virtual thread, so cheaply) until a connection slot and a rate slot are free. */
    void acquire(String destination) throws InterruptedException {
        connections.computeIfAbsent(destination, d -> new Semaphore(maxConnections, true)).acquire();
        if (nanosPerMessage > 0) {
            long now = System.nanoTime();
            long slot = nextSlot.merge(destination, now, (previous, ignored) -> Math.max(previous + nanosPerMessage, now));
            long wait = slot - now;
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
        }
    }

    void release(String destination) {
        connections.get(destination).release();
    }
}
