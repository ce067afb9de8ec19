/**
 * Listeners: one SMTP virtual server each, bound to its addresses, with its connection limits and
 * TLS context. A listener accepts connections (backing off when accept fails), reads the PROXY
 * header on listeners behind a load balancer, applies the per-client limits to the real client,
 * and hands each connection to a session on its own virtual thread.
 * TLS: {@code TlsContexts} loads certificates (and generates the embedded default's) as a
 * {@code ServedCertificate} (chain and the key that fits its leaf), {@code TlsPolicy} turns
 * {@code tls.ciphers} into JSSE parameters that {@code ServerTlsContext} applies to every socket,
 * {@code CertificateWatch} swaps in a certificate renewed on disk, and {@code Renegotiation} makes
 * sure client-initiated renegotiation is refused in this JVM.
 *
 * <p>Place in the flow: between the network and {@code session}. Depends on {@code config},
 * {@code session}, {@code spool} and {@code smtp}.
 */
package io.portcullis.listener;
