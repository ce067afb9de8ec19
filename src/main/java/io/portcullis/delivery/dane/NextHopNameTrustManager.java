package io.portcullis.delivery.dane;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.X509TrustManager;

/**
 * The {@code secure} level's check: the chain must verify against the CA trust store (the
 * delegate), and the server certificate must name the next-hop domain or a sub-domain of it
 * (Postfix's {@code smtp_tls_secure_cert_match = nexthop, dot-nexthop}). Unlike {@code verify},
 * the name we check never came from an unsigned DNS answer, so a forged MX record cannot choose it.
 */
public final class NextHopNameTrustManager extends ServerTrustManager {
    private final X509TrustManager delegate;
    private final List<String> nextHopNames;

    public NextHopNameTrustManager(X509TrustManager delegate, List<String> nextHopNames) {
        this.delegate = delegate;
        this.nextHopNames = List.copyOf(nextHopNames);
    }

    @Override
    void checkServer(X509Certificate[] chain, String authType) throws CertificateException {
        delegate.checkServerTrusted(chain, authType);
        if (!CertificateNames.matches(chain[0], nextHopNames, true)) {
            throw new CertificateException("the certificate names " + CertificateNames.dnsNames(chain[0])
                    + ", neither the next-hop domain " + nextHopNames + " nor a sub-domain of it");
        }
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return delegate.getAcceptedIssuers();
    }
}
