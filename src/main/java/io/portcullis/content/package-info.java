/**
 * Before-queue content checks and rewrites: after the last octet of a message and before
 * {@code 250}, each listener runs its chain of checks (spam, virus, built-in rules) over the
 * spooled but uncommitted file. A check answers with a sealed {@link io.portcullis.content.ContentVerdict};
 * edits it asks for (headers, body) are written into a new spool file before the next check runs,
 * so every check sees the message as it will leave. Each step has a time budget, a failure mode
 * and a circuit breaker (shared by several nodes through a {@code SharedCircuit} when
 * configured), so one dead scanner cannot stall the gateway. MIME is read by one
 * streaming parser ({@code MimeScanner}), held to the listener's MIME limits before the first
 * step; checks that compute on the session's thread look at their {@code Deadline}.
 *
 * <p>Depends on {@code smtp} (replies), {@code config}, {@code milter} (the milter protocol), {@code spool} (the file under scan) and
 * {@code observe} (counters). Scanners are reached over sockets, but never the client's: checks
 * talk only to the daemons they are configured for.
 */
package io.portcullis.content;
