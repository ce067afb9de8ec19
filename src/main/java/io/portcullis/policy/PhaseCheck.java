package io.portcullis.policy;

import io.portcullis.config.Phase;
import java.util.Set;

/**
 * One policy check, run by a listener at the phases its configuration names. Implementations
 * are shared by every session of a listener, so they are thread-safe and keep per-session state,
 * if any, in {@link PhaseInput#session()}. A check never touches the socket and never throws for
 * a decision: it returns a {@link Verdict}. One that cannot decide (a DNS timeout) returns
 * {@link Verdict.Skip}. Blocking work (DNS, a milter) is bounded by the check's own budget.
 */
public interface PhaseCheck {

    /** The phases this check can run in; the configuration may name it only there. */
    Set<Phase> phases();

    Verdict check(PhaseInput input);

    /**
     * A filter against unwanted clients (block lists, greylisting, HELO and reverse-DNS checks) is
     * skipped for a trusted client (authenticated, or from the relay networks) and for one a check
     * allow-listed ({@link Verdict.Allow}). The built-in rules (relay, recipients, rates) are not.
     */
    default boolean isFilter() {
        return false;
    }
}
