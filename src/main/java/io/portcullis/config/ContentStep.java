package io.portcullis.config;

import java.time.Duration;

/**
 * One step of a listener's content chain: which check, its time budget and what a failure of the
 * check (unreachable, timed out, circuit open) means on this listener. Spam thresholds may be set
 * per listener; null keeps the check's own.
 */
public record ContentStep(String check, FailureMode onFailure, Duration timeout, Double markScore,
                          Double rejectScore) {

    /** {@code fail-closed} answers 451 4.7.1 so the client retries; {@code fail-open} accepts and notes the skip. */
    public enum FailureMode { FAIL_CLOSED, FAIL_OPEN }
}
