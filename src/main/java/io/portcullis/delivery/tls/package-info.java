/**
 * Authenticated TLS for MX delivery and what we tell others about it: MTA-STS (RFC 8461) policy
 * discovery, fetch and cache ({@link io.portcullis.delivery.tls.MtaStsPolicies}), TLS reporting
 * (RFC 8460: {@link io.portcullis.delivery.tls.TlsReports} counts each session's result per
 * policy domain, {@link io.portcullis.delivery.tls.TlsReportSender} mails or posts the daily
 * aggregate), and the records to publish for our own domains
 * ({@link io.portcullis.delivery.tls.TlsRecords}).
 *
 * <p>Every DNS answer, policy file and HTTP reply is hostile: each has a bound on size, line and
 * entry counts, and time, and what exceeds one is a failure that applies no policy rather than a
 * retry loop.
 *
 * <p>Place in the flow: part of {@code delivery}, used by its SMTP connector; depends on
 * {@code spool} (private files, queueing report mail), {@code config} and {@code smtp}.
 */
package io.portcullis.delivery.tls;
