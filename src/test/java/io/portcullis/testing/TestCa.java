package io.portcullis.testing;

import io.portcullis.config.PemFiles;
import java.io.IOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A test certificate authority: its certificate goes to a trust file ({@link #writeTrust}), and it
 * issues server certificates for chosen names and lifetimes, as PEM files for a Portcullis
 * listener ({@link Leaf#write}) or as an {@link SSLContext} for a JDK server.
 */
public final class TestCa {
    private static final AtomicLong SERIAL = new AtomicLong(System.nanoTime());
    private final String name;
    private final KeyPair keys;
    private final X509Certificate certificate;

    public record Leaf(X509Certificate certificate, KeyPair keys, X509Certificate issuer) {
        /** The certificate (and its issuer) and the key as PEM files, for a listener's {@code tls:}. */
        public void write(Path certificateFile, Path keyFile) throws IOException {
            try (Writer writer = Files.newBufferedWriter(certificateFile, StandardCharsets.US_ASCII);
                 JcaPEMWriter pem = new JcaPEMWriter(writer)) {
                pem.writeObject(certificate);
                pem.writeObject(issuer);
            }
            PemFiles.writePrivateKey(keyFile, keys.getPrivate());
        }

        /** A server context presenting this certificate. */
        public SSLContext serverContext() throws Exception {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("server", keys.getPrivate(), new char[0], new java.security.cert.Certificate[] {certificate, issuer});
            KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            factory.init(store, new char[0]);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(factory.getKeyManagers(), null, null);
            return context;
        }
    }

    public TestCa(String name) throws Exception {
        this.name = name;
        this.keys = keys();
        Instant now = Instant.now();
        X500Name subject = new X500Name("CN=" + name);
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, BigInteger.valueOf(SERIAL.incrementAndGet()),
                Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(30))), subject, keys.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        certificate = new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
    }

    private static KeyPair keys() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    /** A certificate for {@code dnsNames} (and nothing else), valid from yesterday for 30 days. */
    public Leaf issue(String... dnsNames) throws Exception {
        Instant now = Instant.now();
        return issue(now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(30)), dnsNames);
    }

    public Leaf issue(Instant notBefore, Instant notAfter, String... dnsNames) throws Exception {
        String dnsName = dnsNames[0];
        KeyPair leafKeys = keys();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(new X500Name("CN=" + name),
                BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(notBefore), Date.from(notAfter),
                new X500Name("CN=" + dnsName), leafKeys.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(
                java.util.Arrays.stream(dnsNames).map(n -> new GeneralName(GeneralName.dNSName, n)).toArray(GeneralName[]::new)));
        X509Certificate leaf = new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
        return new Leaf(leaf, leafKeys, certificate);
    }

    /** The CA certificate as a PEM trust file. */
    public Path writeTrust(Path file) throws IOException {
        PemFiles.write(file, certificate);
        return file;
    }
}
