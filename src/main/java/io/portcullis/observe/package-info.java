/**
 * Seeing inside: {@link io.portcullis.observe.Telemetry} is the one place sessions and delivery
 * report to; it feeds the metrics (Micrometer: Prometheus text and JMX), labelled by listener,
 * flow, connector and reason, and the message tracking log (one JSON line per event, a file per
 * day). Inbound-versus-outbound figures are exact by construction: every count carries the flow
 * of the message or listener it is about.
 *
 * <p>Place in the flow: beside everything; depends on {@code spool} (envelopes) and {@code smtp}
 * (replies) only, so sessions and delivery can report to it.
 */
package io.portcullis.observe;
