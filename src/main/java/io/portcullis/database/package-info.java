/**
 * The optional shared store in PostgreSQL ({@code database:} in the configuration), for several
 * equal nodes: tracking events, hourly report figures and the quarantine index, so that
 * {@code portcullis track}, {@code report} and the dashboard see every node. Schema by Flyway
 * migrations ({@code db/migration}), connections from a small HikariCP pool.
 *
 * <p>Place in the flow: beside {@code observe}, fed by it off the hot path. Mail never waits for
 * the database: {@link io.portcullis.database.DatabaseWriter} takes events from a bounded
 * in-memory queue on one virtual thread, sends them in batches, and while PostgreSQL is
 * unreachable appends them to a bounded local {@link io.portcullis.database.EventBuffer}, flushed
 * in order when it is back. Depends on {@code config}, {@code observe}, {@code quarantine};
 * {@code admin} and {@code app} depend on it.
 */
package io.portcullis.database;
