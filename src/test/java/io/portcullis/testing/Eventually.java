package io.portcullis.testing;

import java.time.Duration;
import java.util.function.Predicate;

/**
 * The one way tests wait for something that happens on another thread or in another process:
 * poll a probe until it says yes or a deadline passes, then fail with what was awaited and the
 * last value seen. Bounded by construction; no test writes its own sleep loop.
 */
public final class Eventually {
    private static final long POLL_MILLIS = 20;

    /** A probe that may do I/O. */
    @FunctionalInterface
    public interface Probe<T> {
        T get() throws Exception;
    }

    private Eventually() {
    }

    /** Waits until {@code condition} holds; an {@link AssertionError} naming {@code what} after {@code limit}. */
    public static void await(Duration limit, String what, Probe<Boolean> condition) throws Exception {
        value(limit, what, condition, Boolean::booleanValue);
    }

    /**
     * Polls {@code probe} until {@code done} accepts its value and returns that value; fails after
     * {@code limit} with the last value seen. A probe that throws an exception is retried until the
     * deadline (a server still starting), and its last exception is the failure's cause; one that
     * throws an {@link Error} (a daemon that exited) ends the wait at once.
     */
    public static <T> T value(Duration limit, String what, Probe<T> probe, Predicate<? super T> done) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        T last = null;
        Exception lastError = null;
        while (true) {
            try {
                last = probe.get();
                lastError = null;
                if (done.test(last)) {
                    return last;
                }
            } catch (Exception e) {
                lastError = e;
            }
            if (System.nanoTime() - deadline >= 0) {
                AssertionError failure = new AssertionError(
                        "not within " + limit.toMillis() + " ms: " + what + (lastError == null ? " (last seen: " + last + ")" : ""));
                if (lastError != null) {
                    failure.initCause(lastError);
                }
                throw failure;
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    /**
     * Waits until something accepts TCP connections on 127.0.0.1:{@code port}; fails at once with
     * {@code output} when {@code process} exits first.
     */
    public static void listening(Duration limit, String name, int port, Process process, Probe<String> output) throws Exception {
        await(limit, name + " listens on " + port, () -> {
            if (!process.isAlive()) {
                throw new AssertionError(name + " exited: " + output.get());
            }
            try (java.net.Socket probe = new java.net.Socket("127.0.0.1", port)) {
                return true;
            }
        });
    }

    /**
     * Asserts that {@code condition} stays false for the whole of {@code period}: for the absence of
     * an event (a second retry, a bounce for the null sender) that would have happened by then.
     */
    public static void never(Duration period, String what, Probe<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + period.toNanos();
        while (System.nanoTime() - deadline < 0) {
            if (condition.get()) {
                throw new AssertionError("happened, but must not: " + what);
            }
            Thread.sleep(POLL_MILLIS);
        }
    }
}
