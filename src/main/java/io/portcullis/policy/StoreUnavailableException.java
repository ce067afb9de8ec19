package io.portcullis.policy;

/**
 * A shared store (Redis) could not answer within its timeout and its feature is configured
 * {@code on-failure: closed}: the check refuses for now with a 4xx reply. A store configured to
 * fail open never throws this; it answers from this node's own state or lets the check skip.
 * The store has already counted and logged the failure.
 */
public final class StoreUnavailableException extends RuntimeException {
    private final boolean failOpen;

    public StoreUnavailableException(String feature, boolean failOpen) {
        super(feature + ": the shared store did not answer", null, false, false);
        this.failOpen = failOpen;
    }

    /** True when the check should go on without the store (skip), false when it should refuse for now. */
    public boolean failOpen() {
        return failOpen;
    }
}
