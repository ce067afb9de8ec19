package io.portcullis.config;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

/** PEM key and certificate files (Bouncy Castle's parser): TLS keys and DKIM keys alike. */
public final class PemFiles {
    private PemFiles() {
    }

    /** The first unencrypted private key in the file: PKCS#8, or PKCS#1 / SEC1 key pairs (RSA, EC, Ed25519). */
    public static PrivateKey readPrivateKey(Path keyFile) throws IOException {
        return readPrivateKey(Files.readAllBytes(keyFile), keyFile);
    }

    /** As {@link #readPrivateKey(Path)}, from the bytes of {@code keyFile} read earlier (errors name the file). */
    public static PrivateKey readPrivateKey(byte[] pem, Path keyFile) throws IOException {
        try (Reader reader = new java.io.InputStreamReader(new java.io.ByteArrayInputStream(pem), StandardCharsets.US_ASCII);
             PEMParser parser = new PEMParser(reader)) {
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            for (Object item = parser.readObject(); item != null; item = parser.readObject()) {
                if (item instanceof PEMKeyPair pair) {
                    // Only the private half: a SEC1 EC key written by Bouncy Castle has no public key in it.
                    return converter.getPrivateKey(pair.getPrivateKeyInfo());
                }
                if (item instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
            }
        } catch (RuntimeException e) {
            throw new IOException(keyFile + ": not a PEM private key: " + e.getMessage(), e);
        }
        throw new IOException(keyFile + ": no unencrypted PEM private key found");
    }

    /** Writes a key readable by the owner only (created with mode 0600 before any byte is in it). */
    public static void writePrivateKey(Path file, PrivateKey key) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        // An EC key goes out as PKCS#8: Bouncy Castle's SEC1 form of a JDK EC key leaves out the curve.
        write(file, key instanceof ECPrivateKey ? new JcaPKCS8Generator(key, null) : key);
    }

    /** Writes any object Bouncy Castle can put in PEM: a certificate, a public key. */
    public static void write(Path file, Object object) throws IOException {
        try (Writer writer = Files.newBufferedWriter(file, StandardCharsets.US_ASCII);
             JcaPEMWriter pem = new JcaPEMWriter(writer)) {
            pem.writeObject(object);
        }
    }
}
