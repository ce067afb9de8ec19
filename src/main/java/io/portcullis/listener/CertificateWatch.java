package io.portcullis.listener;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a listener's {@link ServerTlsContext} serving what its certificate and key files hold, for
 * renewals by an external ACME client (certbot, acme.sh, lego): every {@code tls.reload-interval}
 * it reads both files whole and compares their digest with the pair being served. Reading the
 * contents (not the modification times, not a WatchService) works the same for a file written in
 * place, a file renamed over the old one, and a path through symbolic links that the client
 * repoints (certbot's {@code /etc/letsencrypt/live/NAME/} links into {@code archive/}).
 *
 * <p>When the contents changed, the new pair is loaded and checked (every certificate parses, the
 * key fits the leaf) and only then swapped in. A pair that does not load (half written, the key
 * renewed but the certificate not yet, a wrong key) leaves the old pair in service and is logged
 * as an error once; it is tried again as soon as the files change again, so the usual order of an
 * ACME client (key first, certificate a moment later) resolves itself at the next look.
 *
 * <p>For a generated self-signed certificate, {@code renewal} runs first and writes a new pair
 * when the old one nears its end; the same swap then serves it.
 *
 * <p>Thread safety: {@link #checkIfDue} is synchronized; the swap itself is one volatile write.
 */
public final class CertificateWatch {
    private static final Logger log = LoggerFactory.getLogger(CertificateWatch.class);

    /** What one look at the files did. */
    public enum Outcome {
        /** Not due yet, or the files hold the pair being served. */
        UNCHANGED,
        /** A new pair loaded and is served to new handshakes. */
        RELOADED,
        /** The files changed but do not hold a usable pair; the old one stays. */
        REFUSED
    }

    /** Writes a new pair into the watched files when the old one needs it (the generated certificate). */
    @FunctionalInterface
    interface Renewal {
        void renewIfDue() throws IOException;
    }

    private final String listener;
    private final ServerTlsContext context;
    private final Path certificateFile;
    private final Path keyFile;
    private final Duration interval;
    private final Renewal renewal;
    private final ContextFactory factory;
    private Instant nextCheck;
    /** What the last refused look saw (a digest or an error), so each problem is logged once. */
    private String lastProblem;

    /** Builds the JDK context that serves a loaded pair (with the listener's key manager setup). */
    @FunctionalInterface
    interface ContextFactory {
        SSLContext create(ServedCertificate certificate) throws IOException;
    }

    CertificateWatch(String listener, ServerTlsContext context, Path certificateFile, Path keyFile, Duration interval,
                     Renewal renewal, ContextFactory factory, Instant now) {
        this.listener = listener;
        this.context = context;
        this.certificateFile = certificateFile;
        this.keyFile = keyFile;
        this.interval = interval;
        this.renewal = renewal;
        this.factory = factory;
        this.nextCheck = now.plus(interval);
    }

    /** Looks at the files when the interval has passed since the last look. */
    synchronized Outcome checkIfDue(Instant now) {
        if (now.isBefore(nextCheck)) {
            return Outcome.UNCHANGED;
        }
        nextCheck = now.plus(interval);
        return check();
    }

    private Outcome check() {
        byte[] certificate;
        byte[] key;
        try {
            renewal.renewIfDue();
            certificate = ServedCertificate.readFile(certificateFile);
            key = ServedCertificate.readFile(keyFile);
        } catch (IOException | RuntimeException e) {
            return refused(e.toString(), e.getMessage());
        }
        byte[] digest = ServedCertificate.digest(certificate, key);
        if (context.served().sameFiles(digest)) {
            lastProblem = null;
            return Outcome.UNCHANGED;
        }
        String seen = HexFormat.of().formatHex(digest);
        if (seen.equals(lastProblem)) {
            return Outcome.REFUSED;   // the same contents as last time: said already
        }
        try {
            ServedCertificate next = ServedCertificate.parse(certificateFile, certificate, keyFile, key);
            context.swap(factory.create(next), next);
            lastProblem = null;
            log.info("listener {}: serving the new TLS certificate from {} ({}, serial {}, valid until {})", listener,
                    certificateFile, next.leaf().getSubjectX500Principal().getName(),
                    next.leaf().getSerialNumber().toString(16), next.leaf().getNotAfter().toInstant());
            TlsContexts.warnIfExpiring(listener, next.leaf().getNotAfter().toInstant(), Instant.now());
            return Outcome.RELOADED;
        } catch (IOException | RuntimeException e) {
            return refused(seen, e.getMessage());
        }
    }

    private Outcome refused(String problem, String message) {
        if (!problem.equals(lastProblem)) {
            lastProblem = problem;
            log.error("listener {}: the TLS certificate files changed but cannot be served: {}; still serving the"
                    + " certificate valid until {}; trying again when the files change", listener, message,
                    context.notAfter());
        }
        return Outcome.REFUSED;
    }
}
