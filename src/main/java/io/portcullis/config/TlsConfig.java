package io.portcullis.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A listener's TLS: certificate and key in PEM files (the certificate file may hold the whole
 * chain, leaf first, and all of it is served), and the cipher policy. With {@code selfSigned},
 * both files live in the data directory and are generated when missing or near expiry (the
 * embedded default does this).
 *
 * @param ciphers      which protocol versions and cipher suites are offered
 * @param cipherSuites for {@link CipherPolicy#EXPLICIT}: the suites in server order (JDK names,
 *                     checked against the JDK's supported suites); empty otherwise
 * @param namedGroups  key exchange groups in server order (JDK names, e.g. x25519, secp256r1)
 * @param reloadInterval how often the certificate and key files are read again; a new valid pair
 *                     (an ACME client's renewal) is served to new handshakes without a reload
 */
public record TlsConfig(Path certificate, Path key, boolean selfSigned, CipherPolicy ciphers,
                        List<String> cipherSuites, List<String> namedGroups, Duration reloadInterval) {
    /** Groups of the Mozilla server-side TLS guidance; finite-field groups only when configured. */
    public static final List<String> DEFAULT_NAMED_GROUPS = List.of("x25519", "secp256r1", "secp384r1");
    /** {@code tls.reload-interval}: a renewed certificate is served within about this long. */
    public static final Duration DEFAULT_RELOAD_INTERVAL = Duration.ofSeconds(60);
    /** The shortest {@code tls.reload-interval}: the files are read at most once a second. */
    public static final Duration MIN_RELOAD_INTERVAL = Duration.ofSeconds(1);

    public TlsConfig {
        cipherSuites = List.copyOf(cipherSuites);
        namedGroups = List.copyOf(namedGroups);
    }

    /** A listener with the default policy ({@code intermediate}, the default groups). */
    public static TlsConfig of(Path certificate, Path key, boolean selfSigned) {
        return new TlsConfig(certificate, key, selfSigned, CipherPolicy.INTERMEDIATE, List.of(), DEFAULT_NAMED_GROUPS,
                DEFAULT_RELOAD_INTERVAL);
    }

    /** {@code tls.ciphers}, after the Mozilla server-side TLS recommendations. */
    public enum CipherPolicy {
        /** TLS 1.3 only: for clients that are all recent (a submission port for our own users). */
        MODERN,
        /** TLS 1.3, and TLS 1.2 with ECDHE key exchange and AEAD ciphers only (AES-GCM, ChaCha20-Poly1305). */
        INTERMEDIATE,
        /** TLS 1.3 and 1.2 with exactly the listed suites. */
        EXPLICIT
    }
}
