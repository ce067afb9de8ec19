/**
 * The admin HTTP server (the JDK's built-in server, on virtual threads): {@code /metrics} in the
 * Prometheus text format, {@code /health}, and a token-protected JSON API over the same
 * {@link io.portcullis.delivery.QueueService} the CLI uses.
 *
 * <p>Place in the flow: beside the gateway, for people and monitoring. Depends on {@code delivery}
 * and {@code observe}.
 */
package io.portcullis.admin;
