package io.portcullis.delivery.tls;

import io.portcullis.config.MtaStsConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The DNS records to publish for our own domains, in zone-file syntax: {@code _mta-sts} (RFC 8461
 * §3.1) with an id derived from the policy's content, so it changes exactly when the policy does;
 * {@code _smtp._tls} (RFC 8460 §3) with our {@code rua}; and {@code _25._tcp} TLSA {@code 3 1 1}
 * (DANE-EE, SubjectPublicKeyInfo, SHA-256; RFC 7671 §5.1, RFC 7672 §3.1) for a listener's
 * certificate.
 */
public final class TlsRecords {
    private TlsRecords() {
    }

    /** The policy id: the first 32 hex digits of the SHA-256 of the policy file. */
    public static String policyId(MtaStsConfig.ServedPolicy policy) {
        return HexFormat.of().formatHex(sha256(policy.text().getBytes(StandardCharsets.US_ASCII))).substring(0, 32);
    }

    public static String mtaStsRecord(String domain, MtaStsConfig.ServedPolicy policy) {
        return "_mta-sts." + domain + ". IN TXT \"v=STSv1; id=" + policyId(policy) + "\"";
    }

    public static String tlsRptRecord(String domain, List<String> rua) {
        return "_smtp._tls." + domain + ". IN TXT \"v=TLSRPTv1; rua=" + String.join(",", rua) + "\"";
    }

    /** TLSA 3 1 1: the SHA-256 of the leaf's SubjectPublicKeyInfo. */
    public static String tlsaRecord(String mxHost, X509Certificate leaf) {
        return "_25._tcp." + mxHost + ". IN TLSA 3 1 1 " + HexFormat.of().formatHex(sha256(leaf.getPublicKey().getEncoded()));
    }

    /** Every record for {@code domains}, a line each, with comments saying what to do. */
    public static List<String> all(List<String> domains, MtaStsConfig.ServedPolicy policy, List<String> rua,
                                   String mxHost, X509Certificate leaf) {
        List<String> lines = new ArrayList<>();
        for (String domain : domains) {
            if (policy != null) {
                lines.add("; MTA-STS: serve the policy below at https://mta-sts." + domain
                        + "/.well-known/mta-sts.txt (the admin server answers this path; put HTTPS in front)");
                lines.add(mtaStsRecord(domain, policy));
            }
            if (!rua.isEmpty()) {
                lines.add(tlsRptRecord(domain, rua));
            }
        }
        if (leaf != null) {
            lines.add("; DANE: publish only in a DNSSEC-signed zone; add the new key's record before a key change");
            lines.add(tlsaRecord(mxHost, leaf));
        }
        if (policy != null) {
            lines.add("; the policy file (mta-sts.txt):");
            policy.text().lines().forEach(line -> lines.add(";   " + line));
        }
        return lines;
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
