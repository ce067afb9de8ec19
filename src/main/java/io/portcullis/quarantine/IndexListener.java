package io.portcullis.quarantine;

/**
 * Told of every change to the quarantine's index, for a copy kept elsewhere (the shared database's
 * listing across nodes). Called under no lock of the caller's; must return at once and not throw.
 */
public interface IndexListener {
    /** {@code entry} is the entry's new state, or null once it has left the quarantine. */
    void changed(String id, QuarantineEntry entry);
}
