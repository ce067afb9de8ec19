package io.portcullis.delivery;

import java.util.List;

/**
 * A way out of the gateway. Lifecycle: created at start-up from configuration, {@link #deliver}
 * called from many delivery threads at once, {@link #close()} once at shutdown.
 */
public interface Connector extends AutoCloseable {
    String name();

    /**
     * Delivers the job's message to its recipients. Never throws for delivery problems: each
     * recipient gets exactly one result, in any order.
     */
    List<RecipientResult> deliver(DeliveryJob job);

    /** Housekeeping the scheduler calls about once a second, e.g. closing idle connections. */
    default void closeIdleConnections() {
    }

    @Override
    default void close() {
    }
}
