/**
 * The durable queue between receiving and delivering: queue ids, the envelope format, the write →
 * fsync → commit → directory fsync protocol, and recovery at start-up (see {@link
 * io.portcullis.spool.Spool}).
 *
 * <p>Place in the flow: the session writes accepted messages here; delivery reads them. Depends on
 * nothing of ours.
 */
package io.portcullis.spool;
