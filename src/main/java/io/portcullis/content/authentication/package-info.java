/**
 * Sender authentication for the content chain: SPF (RFC 7208), DKIM verification (RFC 6376,
 * RFC 8463) and DMARC (RFC 7489), reported in one Authentication-Results header (RFC 8601).
 * DNS goes through {@link io.portcullis.dns.DnsLookup}, answered by dnsjava
 * from the configured resolver. Depends on {@code content} (the check interface) and below.
 */
package io.portcullis.content.authentication;
