/**
 * The admin HTTP server (Jetty, on its own bounded thread pool, with bounded connections, header
 * and body sizes and a request deadline): {@code /metrics} in the Prometheus text format,
 * {@code /health}, and a token-protected JSON API over the same
 * {@link io.portcullis.delivery.QueueService} the CLI uses, and over the quarantine store
 * ({@code /api/quarantine}, {@link io.portcullis.admin.QuarantineApi}); the dashboard's pages
 * ({@code /dashboard}, {@code /dashboard/quarantine}) are static files over that API, and a held
 * message's HTML body reaches a browser only through {@link io.portcullis.admin.QuarantineHtmlView}.
 *
 * <p>Place in the flow: beside the gateway, for people and monitoring. Depends on {@code config},
 * {@code delivery}, {@code quarantine} and {@code observe}.
 */
package io.portcullis.admin;
