package io.portcullis.listener;

import io.portcullis.config.PemFiles;
import java.io.IOException;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Certificates with chosen lifetimes and issuers, written as PEM files for listeners to load. */
final class TestCertificates {
    record Issued(X509Certificate certificate, KeyPair keys) {
    }

    private TestCertificates() {
    }

    static KeyPair ecKeys() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    /** A certificate for {@code name}, signed by {@code issuer} (null: self-signed); a CA when {@code ca}. */
    static Issued issue(String name, Instant notBefore, Instant notAfter, Issued issuer, boolean ca) throws Exception {
        KeyPair keys = ecKeys();
        X500Name subject = new X500Name("CN=" + name);
        X500Name issuerName = issuer == null ? subject : new X500Name(issuer.certificate().getSubjectX500Principal().getName());
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuerName, BigInteger.valueOf(System.nanoTime()),
                Date.from(notBefore), Date.from(notAfter), subject, keys.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        if (!ca) {
            builder.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(new GeneralName(GeneralName.dNSName, name)));
        }
        var signer = new JcaContentSignerBuilder("SHA256withECDSA").build((issuer == null ? keys : issuer.keys()).getPrivate());
        return new Issued(new JcaX509CertificateConverter().getCertificate(builder.build(signer)), keys);
    }

    /** Writes {@code chain} (leaf first) to {@code certificateFile} and the leaf's key to {@code keyFile}. */
    static void write(Path certificateFile, Path keyFile, Issued leaf, Issued... rest) throws IOException {
        Files.createDirectories(certificateFile.getParent());
        try (Writer writer = Files.newBufferedWriter(certificateFile, StandardCharsets.US_ASCII);
             JcaPEMWriter pem = new JcaPEMWriter(writer)) {
            pem.writeObject(leaf.certificate());
            for (Issued issued : rest) {
                pem.writeObject(issued.certificate());
            }
        }
        PemFiles.writePrivateKey(keyFile, leaf.keys().getPrivate());
    }
}
