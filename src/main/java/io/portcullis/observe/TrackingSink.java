package io.portcullis.observe;

/**
 * A second destination of tracking events besides the local log (the shared database).
 * {@link #write} is called on the hot path, by sessions and delivery: it must return at once
 * and never throw or block, whatever the state of whatever is behind it.
 */
public interface TrackingSink {
    void write(TrackingEvent event);
}
