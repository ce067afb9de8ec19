/**
 * DANE for SMTP (RFC 7672, RFC 7671): DNSSEC-validated lookups of MX, address and TLSA records
 * ({@link io.portcullis.delivery.dane.DaneLookup}, trusting the AD bit of a validating resolver on
 * loopback), and the certificate checks a TLS handshake runs against a TLSA record set
 * ({@link io.portcullis.delivery.dane.DaneTrustManager}) or, for the {@code secure} level, against
 * the next-hop names ({@link io.portcullis.delivery.dane.NextHopNameTrustManager}).
 *
 * <p>DNS answers are hostile: a record is only used when the resolver says it was validated, a
 * malformed or unusable TLSA record is set aside rather than trusted, and a lookup that fails is
 * reported as a failure (the caller defers) rather than as "no records" (which would downgrade).
 *
 * <p>Place in the flow: used by {@code delivery}'s SMTP connector; depends on nothing of ours.
 */
package io.portcullis.delivery.dane;
