package io.portcullis.content;

import io.portcullis.config.ContentStep;
import java.io.IOException;

/**
 * One kind of content check (spamd, clamd, rules). One instance serves every listener that names
 * it, from many sessions at once, so implementations are thread-safe and keep no per-message state.
 *
 * <p>Call order: {@link #check} once per message and step, after the last octet, before the
 * commit; never after {@link #close()}. The chain interrupts a check that overruns its step's
 * budget, so blocking I/O must be interruptible (plain sockets on virtual threads are).
 */
public interface ContentCheck extends AutoCloseable {
    /**
     * Decides about the message. Throws when it cannot decide; the chain then applies the step's
     * failure mode and counts the failure toward the circuit breaker.
     */
    ContentVerdict check(ContentMessage message, ContentStep step) throws IOException;

    /**
     * True for a check that only computes over the message (no daemon to wait for, cost bounded by
     * its configuration): the chain runs it on the session's own thread, without the hand-off to a
     * thread of its own that makes a blocking check interruptible at its budget.
     */
    default boolean runsInline() {
        return false;
    }

    /**
     * True for a header field this check writes and later hops trust (a spam score, our
     * Authentication-Results). A client can write the same field, so the chain removes every one
     * the client sent, once, as the first step of the chain ends: whatever that step decided, and
     * whether or not this check ever answers (skipped for size, failed open, circuit open). Fields
     * checks add are never removed by this. Called for every header field of every message the
     * chain runs over: keep it cheap.
     */
    default boolean owns(HeaderField field) {
        return false;
    }

    @Override
    default void close() {
    }
}
