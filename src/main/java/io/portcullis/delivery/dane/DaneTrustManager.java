package io.portcullis.delivery.dane;

import java.security.GeneralSecurityException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Authenticates an SMTP server by its DNSSEC-validated TLSA records (RFC 7672 §3.1, RFC 7671 §5).
 * The chain passes when any usable record matches:
 * <ul>
 * <li>DANE-EE(3): the server's own certificate (selector 0) or public key (selector 1) matches;
 *     neither names nor validity dates are checked (RFC 7672 §3.1.1);</li>
 * <li>DANE-TA(2): a certificate the server sent matches, the chain from the server's certificate up
 *     to it validates with that certificate (or key) as the only trust anchor (signatures, dates,
 *     CA constraints, by the JDK's PKIX validator), and the server certificate names one of the
 *     reference identifiers: the TLSA base domain (the MX host) or the next-hop domain (RFC 7672
 *     §3.2.2).</li>
 * </ul>
 * The usual CA trust store plays no part. Used for a client connection only.
 */
public final class DaneTrustManager extends ServerTrustManager {
    private final List<TlsaRecord> records;
    private final List<String> referenceNames;

    /** @param records usable records only ({@link TlsaRecord#usable()}) */
    public DaneTrustManager(List<TlsaRecord> records, List<String> referenceNames) {
        this.records = List.copyOf(records);
        this.referenceNames = List.copyOf(referenceNames);
    }

    /** Throws unless one of the records authenticates the chain (leaf first). */
    public void check(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("the server sent no certificate");
        }
        String nameProblem = null;
        for (TlsaRecord record : records) {
            if (record.usage() == TlsaRecord.DANE_EE) {
                if (record.matches(chain[0])) {
                    return;
                }
                continue;
            }
            for (int i = 0; i < chain.length; i++) {
                if (!record.matches(chain[i])) {
                    continue;
                }
                String problem = trustAnchorProblem(chain, i, record.selector());
                if (problem == null && !CertificateNames.matches(chain[0], referenceNames, false)) {
                    problem = "the certificate names " + CertificateNames.dnsNames(chain[0]) + ", not " + referenceNames;
                }
                if (problem == null) {
                    return;
                }
                nameProblem = problem;
            }
        }
        throw new CertificateException("DANE: " + (nameProblem != null ? "a DANE-TA record matches, but " + nameProblem
                : "no TLSA record matches the certificate chain (" + records + ")"));
    }

    /** Null when chain[0..anchor) validates up to chain[anchor] as the one trust anchor; else why not. */
    private static String trustAnchorProblem(X509Certificate[] chain, int anchor, int selector) {
        if (anchor == 0) {
            return null; // the server certificate itself is the trust anchor
        }
        X509Certificate anchorCertificate = chain[anchor];
        TrustAnchor trustAnchor = selector == 0 ? new TrustAnchor(anchorCertificate, null)
                : new TrustAnchor(anchorCertificate.getSubjectX500Principal(), anchorCertificate.getPublicKey(), null);
        try {
            CertPath path = CertificateFactory.getInstance("X.509").generateCertPath(Arrays.asList(chain).subList(0, anchor));
            PKIXParameters parameters = new PKIXParameters(Set.of(trustAnchor));
            parameters.setRevocationEnabled(false);
            CertPathValidator.getInstance("PKIX").validate(path, parameters);
            return null;
        } catch (GeneralSecurityException e) {
            return "the chain does not validate to it: " + e.getMessage();
        }
    }

    @Override
    void checkServer(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
