package io.portcullis.database;

import io.portcullis.observe.TrackingEvent;
import java.util.UUID;

/**
 * A tracking event on its way to the database, with the node that saw it and its id: the
 * database's unique key is (time, node, id), so sending it twice inserts it once.
 */
public record PendingEvent(String node, UUID id, TrackingEvent event) {
}
