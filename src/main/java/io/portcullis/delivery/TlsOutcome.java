package io.portcullis.delivery;

import java.util.Locale;

/**
 * How one delivery attempt used TLS: protocol and cipher suite, and how the next hop's
 * certificate was verified. Recorded with every attempt (tracking event, journal, log line) and
 * counted as {@code portcullis.delivery.tls{connector, flow, verified}}.
 */
public record TlsOutcome(String protocol, String cipher, Verified verified) {
    public enum Verified {
        /** Authenticated by DNSSEC-validated TLSA records (RFC 7672). */
        DANE,
        /** Authenticated by an MTA-STS policy (RFC 8461); set by the MTA-STS policy check. */
        STS,
        /** A certificate from a trusted CA naming the host or next-hop domain ({@code verify}, {@code secure}). */
        CA,
        /** Encrypted, the certificate not checked ({@code may}, {@code encrypt}, {@code dane} without TLSA). */
        UNVERIFIED,
        /** No TLS. */
        NONE,
        /** The destination's TLS policy could not be met; nothing was sent ({@code 451 4.7.5}). */
        FAILED;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public static final TlsOutcome PLAIN = new TlsOutcome(null, null, Verified.NONE);
    public static final TlsOutcome POLICY_NOT_MET = new TlsOutcome(null, null, Verified.FAILED);

    /** "TLSv1.3 TLS_AES_256_GCM_SHA384 verified=dane", or "none", or "failed". */
    public String describe() {
        if (protocol == null) {
            return verified.label();
        }
        return protocol + " " + cipher + " verified=" + verified.label();
    }

    @Override
    public String toString() {
        return describe();
    }
}
