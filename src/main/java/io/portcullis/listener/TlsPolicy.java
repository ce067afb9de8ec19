package io.portcullis.listener;

import io.portcullis.config.TlsConfig;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLParameters;

/**
 * A listener's {@code tls.ciphers} as JSSE parameters, after the Mozilla server-side TLS
 * guidance (https://wiki.mozilla.org/Security/Server_Side_TLS, version 5.7):
 * <ul>
 * <li>{@code modern}: TLS 1.3 only. Right for a submission port, whose clients are our own users'
 *     current mail programs.</li>
 * <li>{@code intermediate} (default): TLS 1.3, and TLS 1.2 with ECDHE key exchange and AEAD
 *     ciphers only (AES-GCM, ChaCha20-Poly1305; no CBC, so no LUCKY13, no RSA key exchange, so no
 *     ROBOT). Right for an MX: SMTP between servers is opportunistic, and a sender that cannot
 *     agree on a cipher falls back to plain text, which is worse than TLS 1.2.</li>
 * </ul>
 * The server's order wins; key exchange on X25519, P-256 and P-384 unless {@code named-groups}
 * says otherwise (finite-field groups only when asked for). Renegotiation does not appear here:
 * it is refused JVM-wide, see {@link Renegotiation}.
 */
public final class TlsPolicy {
    static final List<String> TLS13_SUITES = List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256");
    static final List<String> INTERMEDIATE_TLS12_SUITES = List.of(
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    private TlsPolicy() {
    }

    /** Fresh parameters for server sockets of a listener with this configuration. */
    public static SSLParameters parameters(TlsConfig config) {
        List<String> suites = new ArrayList<>();
        String[] protocols = switch (config.ciphers()) {
            case MODERN -> {
                suites.addAll(TLS13_SUITES);
                yield new String[] {"TLSv1.3"};
            }
            case INTERMEDIATE -> {
                suites.addAll(TLS13_SUITES);
                suites.addAll(INTERMEDIATE_TLS12_SUITES);
                yield new String[] {"TLSv1.3", "TLSv1.2"};
            }
            case EXPLICIT -> {
                suites.addAll(config.cipherSuites());
                yield new String[] {"TLSv1.3", "TLSv1.2"};
            }
        };
        SSLParameters parameters = new SSLParameters(suites.toArray(String[]::new), protocols);
        parameters.setUseCipherSuitesOrder(true);
        parameters.setNamedGroups(config.namedGroups().toArray(String[]::new));
        parameters.setNeedClientAuth(false);
        parameters.setWantClientAuth(false);
        return parameters;
    }
}
