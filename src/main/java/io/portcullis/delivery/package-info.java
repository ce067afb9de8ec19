/**
 * Delivery: the scheduler that works the queue (retries, expiry, delay warnings), routing of each
 * recipient to a connector, the connectors themselves (smarthost, MX, drop folder), the SMTP
 * client, MX resolution and delivery status notifications (bounces). MTA-STS and TLS reporting
 * live in {@code delivery.tls}; the MX connector consults them through {@code StsDestination}.
 *
 * <p>Everything a next hop or a DNS answer says is hostile: every step of the SMTP client has a
 * deadline ({@link io.portcullis.delivery.DeadlineWatchdog} for what SO_TIMEOUT cannot bound), and
 * MX answers pointing at non-public addresses are refused ({@link io.portcullis.delivery.AddressScope}).
 *
 * <p>TLS to next hops follows each destination's level ({@link io.portcullis.delivery.DestinationTls}:
 * none, may, encrypt, verify, secure, dane, dane-only); DANE's DNSSEC lookups and certificate
 * checks live in {@code delivery.dane}, and MTA-STS (package {@code delivery.tls}) enters through {@code StsDestination}.
 * Every attempt's {@link io.portcullis.delivery.TlsOutcome} goes into the journal, the tracking log
 * and the log line.
 *
 * <p>Place in the flow: after the spool. Depends on {@code spool}, {@code config}, {@code smtp},
 * {@code observe} (Telemetry) and its own {@code delivery.dane}.
 */
package io.portcullis.delivery;
