package io.portcullis.listener;

import io.portcullis.config.PemFiles;
import io.portcullis.config.TlsConfig;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Server TLS contexts from PEM files, and the self-signed certificate the embedded default
 * generates: ECDSA P-256, valid for one year, renewed when it has less than {@link #RENEW_BEFORE}
 * left (at start, at reload, and by the listener's {@link CertificateWatch} while it runs).
 */
public final class TlsContexts {
    private static final Logger log = LoggerFactory.getLogger(TlsContexts.class);

    /** Lifetime of a generated self-signed certificate. */
    static final Duration SELF_SIGNED_LIFETIME = Duration.ofDays(365);
    /** A generated certificate with less than this left is replaced at start or reload. */
    static final Duration RENEW_BEFORE = Duration.ofDays(30);
    /** A certificate that expires within this is warned about at start and reload. */
    public static final Duration WARN_BEFORE = Duration.ofDays(14);

    private TlsContexts() {
    }

    /**
     * The TLS context of {@code listener}: its certificate and key files, or the self-signed pair
     * generated into {@code dataDirectory/tls} (renewed first when due). The context watches the
     * files ({@link CertificateWatch}) once {@link ServerTlsContext#checkFilesIfDue} is called.
     */
    public static ServerTlsContext listenerContext(String listener, TlsConfig tls, Path dataDirectory, String hostname)
            throws IOException {
        if (tls.selfSigned()) {
            Path directory = dataDirectory.resolve("tls");
            CertificateWatch.Renewal renewal = () -> ensureSelfSigned(directory, hostname);
            renewal.renewIfDue();
            return watched(listener, directory.resolve("certificate.pem"), directory.resolve("key.pem"), tls, renewal);
        }
        return watched(listener, tls.certificate(), tls.key(), tls, () -> { });
    }

    private static ServerTlsContext watched(String listener, Path certificateFile, Path keyFile, TlsConfig tls,
                                            CertificateWatch.Renewal renewal) throws IOException {
        ServerTlsContext context = serverContext(certificateFile, keyFile, tls);
        context.watch(new CertificateWatch(listener, context, certificateFile, keyFile, tls.reloadInterval(), renewal,
                TlsContexts::keyManagerContext, Instant.now()));
        return context;
    }

    /**
     * Loads a certificate chain (leaf first; every certificate in the file is served) and its
     * private key, checks that the key fits the leaf, and applies the listener's cipher policy;
     * errors name the file.
     */
    public static ServerTlsContext serverContext(Path certificateFile, Path keyFile, TlsConfig config) throws IOException {
        ServedCertificate certificate = ServedCertificate.read(certificateFile, keyFile);
        return new ServerTlsContext(keyManagerContext(certificate), TlsPolicy.parameters(config), certificate);
    }

    /** A JDK server context whose key manager holds exactly {@code certificate}. */
    private static SSLContext keyManagerContext(ServedCertificate certificate) throws IOException {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            char[] password = new char[0];
            store.setKeyEntry("server", certificate.key(), password, certificate.chain().toArray(Certificate[]::new));
            KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keyManagers.init(store, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers.getKeyManagers(), null, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot serve the certificate " + certificate.leaf().getSubjectX500Principal().getName()
                    + ": " + e.getMessage(), e);
        }
    }

    /**
     * Logs a warning when the certificate of {@code listener} expires within {@link #WARN_BEFORE}
     * (or has expired); true when it did.
     */
    public static boolean warnIfExpiring(String listener, Instant notAfter, Instant now) {
        Duration left = Duration.between(now, notAfter);
        if (left.isNegative()) {
            log.warn("listener {}: the TLS certificate EXPIRED at {}; clients that verify it will not deliver", listener, notAfter);
            return true;
        }
        if (left.compareTo(WARN_BEFORE) < 0) {
            log.warn("listener {}: the TLS certificate expires at {} (in {} days); renew it", listener, notAfter, left.toDays());
            return true;
        }
        return false;
    }

    /**
     * Makes sure {@code directory} holds {@code certificate.pem} and {@code key.pem}: generates a
     * self-signed ECDSA P-256 certificate for {@code hostname} (and the loopback names) valid for
     * {@link #SELF_SIGNED_LIFETIME} when they are missing, unreadable, expire within
     * {@link #RENEW_BEFORE}, or were made for longer than that lifetime (by an older version).
     */
    public static synchronized void ensureSelfSigned(Path directory, String hostname) throws IOException {
        Path certificate = directory.resolve("certificate.pem");
        Path key = directory.resolve("key.pem");
        Instant now = Instant.now();
        if (Files.exists(certificate) && Files.exists(key) && !needsRenewal(certificate, now)) {
            return;
        }
        Instant notAfter = writeSelfSigned(directory, hostname);
        log.info("generated a self-signed TLS certificate for {} in {}, valid until {}", hostname, directory, notAfter);
    }

    /** Writes a new self-signed certificate and key to {@code directory}; returns when it expires. */
    static Instant writeSelfSigned(Path directory, String hostname) throws IOException {
        Path certificate = directory.resolve("certificate.pem");
        Path key = directory.resolve("key.pem");
        Instant now = Instant.now();
        if (!Files.isDirectory(directory)) { // the key's folder is the gateway's own (issue 12, finding 15)
            Files.createDirectories(directory, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        }
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair pair = generator.generateKeyPair();
            X500Name subject = new X500Name("CN=" + hostname);
            Instant notBefore = now.minus(Duration.ofHours(1));
            JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject,
                    new BigInteger(64, new SecureRandom()), Date.from(notBefore),
                    Date.from(notBefore.plus(SELF_SIGNED_LIFETIME)), subject, pair.getPublic());
            // The embedded default listens on loopback, so clients may reach it by any of these names.
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                new GeneralName(GeneralName.dNSName, hostname), new GeneralName(GeneralName.dNSName, "localhost"),
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"), new GeneralName(GeneralName.iPAddress, "::1")}));
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));
            Path keyTemp = directory.resolve("key.pem.tmp");
            PemFiles.writePrivateKey(keyTemp, pair.getPrivate());
            Path certificateTemp = directory.resolve("certificate.pem.tmp");
            Files.deleteIfExists(certificateTemp); // never write through a link left in its place
            Files.createFile(certificateTemp, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
            PemFiles.write(certificateTemp, cert);
            Files.move(keyTemp, key, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Files.move(certificateTemp, certificate, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return cert.getNotAfter().toInstant();
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IOException("cannot generate a self-signed certificate: " + e.getMessage(), e);
        }
    }

    private static boolean needsRenewal(Path certificate, Instant now) {
        try {
            X509Certificate leaf = ServedCertificate.readChain(certificate, Files.readAllBytes(certificate)).getFirst();
            Instant notAfter = leaf.getNotAfter().toInstant();
            Duration lifetime = Duration.between(leaf.getNotBefore().toInstant(), notAfter);
            return Duration.between(now, notAfter).compareTo(RENEW_BEFORE) < 0
                    || lifetime.compareTo(SELF_SIGNED_LIFETIME.plusDays(1)) > 0;
        } catch (IOException e) {
            log.warn("{}: {}; generating a new self-signed certificate", certificate, e.getMessage());
            return true;
        }
    }
}
