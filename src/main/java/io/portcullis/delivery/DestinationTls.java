package io.portcullis.delivery;

import io.portcullis.config.ConnectorConfig;
import io.portcullis.config.TrustEveryCertificate;
import io.portcullis.delivery.dane.DaneLookup;
import io.portcullis.delivery.dane.DaneTrustManager;
import io.portcullis.delivery.dane.NextHopNameTrustManager;
import io.portcullis.smtp.Replies;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * Turns a connector's TLS levels into what each next hop must give ({@link TlsRequirement}) and
 * the TLS context that checks it. The levels (Postfix's names):
 * <ul>
 * <li>{@code none}, {@code may}, {@code encrypt}: no TLS; TLS when offered; TLS or no delivery;
 *     any certificate;</li>
 * <li>{@code verify}: a CA-verified certificate naming the host we connect to (the MX host name,
 *     which came from DNS);</li>
 * <li>{@code secure}: a CA-verified certificate naming the next-hop domain or a sub-domain;</li>
 * <li>{@code dane}: where the MX RRset, the host's address records and its TLSA records
 *     ({@code _port._tcp.host}) are all DNSSEC-validated, the certificate must match a usable TLSA
 *     record; validated TLSA records none of which is usable mean TLS without authentication
 *     (RFC 7672 §2.2); no validated TLSA records mean {@code may}; a failed lookup on the way
 *     defers;</li>
 * <li>{@code dane-only}: as {@code dane}, but without validated TLSA records the hop is refused.</li>
 * </ul>
 * No level ever falls back to plain text once it asked for TLS; what cannot be met is
 * {@code 451 4.7.5}.
 */
final class DestinationTls {
    /**
     * One destination's level and, for DANE, whether the names leading to its hosts are
     * validated: the MX RRset for MX delivery (RFC 7672 §2.2.1); a smarthost's configured name
     * needs no DNS to be trusted.
     */
    record Plan(ConnectorConfig.TlsPolicy level, String nextHopDomain, DaneLookup.Security names) {
    }

    private final ConnectorConfig.SmtpOptions options;
    private final DaneLookup dane;
    private final SSLContext anyCertificate;
    private final SSLContext caVerified;
    private final X509TrustManager caTrust;

    /** @param dane DNSSEC lookups, or null when no resolver on loopback is configured (then no DANE) */
    DestinationTls(ConnectorConfig.SmtpOptions options, DaneLookup dane) throws IOException {
        this.options = options;
        this.dane = dane;
        try {
            anyCertificate = SSLContext.getInstance("TLS");
            anyCertificate.init(null, new TrustManager[] {new TrustEveryCertificate()}, null);
            caTrust = caTrustManager(options);
            caVerified = SSLContext.getInstance("TLS");
            caVerified.init(null, new TrustManager[] {caTrust}, null);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up TLS for a connector: " + e.getMessage(), e);
        }
    }

    /** An MX destination (a recipient domain). */
    Plan forDomain(String domain) {
        ConnectorConfig.TlsPolicy level = options.tlsFor(domain);
        DaneLookup.Security names = level.usesDane() && dane != null ? dane.mx(domain) : DaneLookup.Security.INSECURE;
        return new Plan(level, domain, names);
    }

    /** A smarthost, looked up by its configured host name. */
    Plan forSmarthost(String host) {
        return new Plan(options.tlsFor(host), host, DaneLookup.Security.SECURE);
    }

    /**
     * What {@code hop} must give. {@code tlsaCache} holds this attempt's TLSA answers by host, so
     * each host is looked up once however many addresses it has.
     */
    TlsRequirement forHop(Plan plan, NextHop hop, Map<String, DaneLookup.Tlsa> tlsaCache) {
        return forLevel(plan, hop, hop.hostName().toLowerCase(Locale.ROOT), tlsaCache);
    }

    private TlsRequirement forLevel(Plan plan, NextHop hop, String host, Map<String, DaneLookup.Tlsa> tlsaCache) {
        return switch (plan.level()) {
            case NONE -> TlsRequirement.of(TlsRequirement.Kind.NONE, List.of());
            case MAY -> TlsRequirement.of(TlsRequirement.Kind.MAY, List.of());
            case ENCRYPT -> TlsRequirement.of(TlsRequirement.Kind.ENCRYPT, List.of());
            case VERIFY -> TlsRequirement.of(TlsRequirement.Kind.VERIFY, List.of(host));
            case SECURE -> TlsRequirement.of(TlsRequirement.Kind.SECURE, List.of(plan.nextHopDomain().toLowerCase(Locale.ROOT)));
            case DANE, DANE_ONLY -> dane(plan, host, hop.port(), tlsaCache);
        };
    }

    private TlsRequirement dane(Plan plan, String host, int port, Map<String, DaneLookup.Tlsa> tlsaCache) {
        boolean only = plan.level() == ConnectorConfig.TlsPolicy.DANE_ONLY;
        if (plan.names() == DaneLookup.Security.FAILED) {
            return TlsRequirement.refused(Replies.DANE_LOOKUP_FAILED.append("(MX lookup of " + plan.nextHopDomain() + ")"));
        }
        if (dane == null || plan.names() == DaneLookup.Security.INSECURE) {
            String why = dane == null ? "no DNSSEC-validating resolver is configured"
                    : "the MX records of " + plan.nextHopDomain() + " are not DNSSEC-validated";
            return only ? TlsRequirement.refused(Replies.DANE_NOT_AVAILABLE.append("(" + why + ")"))
                    : TlsRequirement.of(TlsRequirement.Kind.MAY, List.of());
        }
        DaneLookup.Tlsa tlsa = tlsaCache.computeIfAbsent(host + ":" + port, key -> dane.tlsa(host, port));
        return switch (tlsa) {
            case DaneLookup.Failed failed -> TlsRequirement.refused(Replies.DANE_LOOKUP_FAILED.append("(" + failed.why() + ")"));
            case DaneLookup.Insecure insecure -> only
                    ? TlsRequirement.refused(Replies.DANE_NOT_AVAILABLE.append("(" + insecure.why() + ")"))
                    : TlsRequirement.of(TlsRequirement.Kind.MAY, List.of());
            // Validated records, none usable: TLS is still mandatory, without authentication (RFC 7672 §2.2).
            case DaneLookup.Secure secure when secure.usable().isEmpty() -> TlsRequirement.of(TlsRequirement.Kind.ENCRYPT, List.of());
            case DaneLookup.Secure secure -> new TlsRequirement(TlsRequirement.Kind.DANE, secure.usable(),
                    host.equals(plan.nextHopDomain().toLowerCase(Locale.ROOT)) ? List.of(host)
                            : List.of(host, plan.nextHopDomain().toLowerCase(Locale.ROOT)), null);
        };
    }

    /** The context that checks a requirement's certificate; null for no TLS. */
    SSLContext context(TlsRequirement requirement) throws IOException {
        try {
            return switch (requirement.kind()) {
                case NONE -> null;
                case MAY, ENCRYPT -> anyCertificate;
                case VERIFY -> caVerified;
                case SECURE -> context(new NextHopNameTrustManager(caTrust, requirement.names()));
                case DANE -> context(new DaneTrustManager(requirement.tlsa(), requirement.names()));
            };
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    private static SSLContext context(TrustManager trust) throws GeneralSecurityException {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {trust}, null);
        return context;
    }

    /** The configured CA file's certificates, or the JDK's trust store. */
    private static X509TrustManager caTrustManager(ConnectorConfig.SmtpOptions options)
            throws GeneralSecurityException, IOException {
        KeyStore trust = null;
        if (options.tlsTrust() != null) {
            trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            try (InputStream in = Files.newInputStream(options.tlsTrust())) {
                int i = 0;
                for (var certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                    trust.setCertificateEntry("ca" + i++, certificate);
                }
            }
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        for (TrustManager manager : factory.getTrustManagers()) {
            if (manager instanceof X509TrustManager x509) {
                return x509;
            }
        }
        throw new GeneralSecurityException("no X.509 trust manager");
    }
}
