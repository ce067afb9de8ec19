package io.portcullis.spool;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Where a message committed with a quarantine reason goes instead of the delivery queue (the
 * quarantine store; see {@link Spool}'s "Held messages"). Called on the session's thread, once per
 * held message, before the session answers.
 */
public interface HoldingArea {
    /**
     * Takes the record at {@code record} (in {@code incoming/}: content, then the envelope as its
     * trailer, written and forced) and makes it durable in the holding area: renamed out of
     * {@code incoming/} and its directory forced before this returns. Throws when that could not be
     * done; the session then answers {@code 451 4.3.0}, and whatever is left in {@code incoming/} is
     * removed.
     */
    void hold(String id, Path record, Envelope envelope) throws IOException;
}
