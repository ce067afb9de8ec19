package io.portcullis.content;

/**
 * The open state of one check's circuit, shared with other gateway nodes (Redis,
 * {@code shared-state.circuit-breakers}), so that when one node's breaker opens on a dead scanner
 * every node backs off for the same period. Called off the hot path: {@link #remainingOpenMillis}
 * at most about once a second per check, the others only when a breaker opens or closes.
 */
public interface SharedCircuit {

    /** How long the circuit stays open as some node opened it; 0 when it is not open anywhere. */
    long remainingOpenMillis();

    /** This node's breaker opened for {@code millis}. */
    void opened(long millis);

    /** This node's trial call succeeded: the scanner answers again. */
    void closed();
}
