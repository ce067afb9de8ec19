package io.portcullis.config;

import java.security.cert.X509Certificate;
import javax.net.ssl.X509TrustManager;

/**
 * Trusts any certificate: for TLS whose peer is not authenticated on purpose (opportunistic
 * delivery, RFC 7435) or is our own throwaway certificate (the renegotiation self-check). Never
 * for anything that sends a credential.
 */
public final class TrustEveryCertificate implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
