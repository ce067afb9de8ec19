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
 * <p>Place in the flow: after the spool. Depends on {@code spool}, {@code config} and {@code smtp}.
 */
package io.portcullis.delivery;
