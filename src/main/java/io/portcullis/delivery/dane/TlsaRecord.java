package io.portcullis.delivery.dane;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;

/**
 * One TLSA record (RFC 6698 §2.1): certificate usage, selector, matching type and the
 * association data.
 */
public record TlsaRecord(int usage, int selector, int matchingType, byte[] data) {
    /** DANE-TA: the chain must lead to a certificate or key that matches (RFC 7672 §3.1.2). */
    public static final int DANE_TA = 2;
    /** DANE-EE: the server's own certificate or key matches; no names, no dates (RFC 7672 §3.1.1). */
    public static final int DANE_EE = 3;

    public TlsaRecord {
        data = data.clone();
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    /**
     * Whether an SMTP client may use the record (RFC 7672 §3.1.3): usages PKIX-TA(0) and PKIX-EE(1)
     * are unusable for SMTP, as are unknown selectors and matching types and digests of the wrong
     * length.
     */
    public boolean usable() {
        if (usage != DANE_TA && usage != DANE_EE || selector != 0 && selector != 1) {
            return false;
        }
        return switch (matchingType) {
            case 0 -> data.length > 0;
            case 1 -> data.length == 32;
            case 2 -> data.length == 64;
            default -> false;
        };
    }

    /** Does the certificate (selector 0) or its SubjectPublicKeyInfo (selector 1) match? */
    public boolean matches(X509Certificate certificate) {
        try {
            byte[] selected = selector == 0 ? certificate.getEncoded() : certificate.getPublicKey().getEncoded();
            byte[] associated = switch (matchingType) {
                case 0 -> selected;
                case 1 -> MessageDigest.getInstance("SHA-256").digest(selected);
                case 2 -> MessageDigest.getInstance("SHA-512").digest(selected);
                default -> null;
            };
            return associated != null && MessageDigest.isEqual(associated, data);
        } catch (CertificateEncodingException | NoSuchAlgorithmException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return usage + " " + selector + " " + matchingType + " " + HexFormat.of().formatHex(data);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TlsaRecord record && record.toString().equals(toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }
}
