package io.portcullis.listener;

import io.portcullis.config.PemFiles;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMParser;

/**
 * A certificate chain (leaf first) and the private key that goes with its leaf, read from PEM
 * files, with a digest of exactly the bytes they were read from (so a later look at the files can
 * tell whether anything changed, whatever their times say).
 *
 * <p>Both files are read once, whole, and parsed from those bytes: an ACME client that writes the
 * key first and the certificate a moment later (or a file half written) gives a pair that does not
 * load or does not match, never a mix of what two reads saw. The key must fit the leaf's public
 * key (proved by signing and verifying a random challenge); the JDK would otherwise accept the
 * pair and fail every handshake.
 */
record ServedCertificate(List<X509Certificate> chain, PrivateKey key, byte[] digest) {

    ServedCertificate {
        chain = List.copyOf(chain);
    }

    X509Certificate leaf() {
        return chain.getFirst();
    }

    /**
     * The most a certificate chain or key file may hold. A real one is a few KB; the path may point
     * anywhere (a careless symbolic link, {@code /dev/zero}, a huge file), and the files are read
     * again every reload interval.
     */
    static final int MAX_FILE_SIZE = 1024 * 1024;

    /** Reads and checks both files; errors name the file. */
    static ServedCertificate read(Path certificateFile, Path keyFile) throws IOException {
        byte[] certificate = readFile(certificateFile);
        byte[] key = readFile(keyFile);
        return parse(certificateFile, certificate, keyFile, key);
    }

    /**
     * A certificate or key file, whole: only a regular file (a FIFO would block the reader, a device
     * never ends) of at most {@link #MAX_FILE_SIZE} octets; anything else is an {@link IOException}
     * naming the file.
     */
    static byte[] readFile(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": not a regular file" + (Files.exists(file) ? "" : " (it does not exist)"));
        }
        try (java.io.InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(MAX_FILE_SIZE + 1);
            if (bytes.length > MAX_FILE_SIZE) {
                throw new IOException(file + ": larger than " + MAX_FILE_SIZE + " octets, not a PEM certificate or key");
            }
            return bytes;
        }
    }

    /** The digest of what {@link #read} would load from these bytes. */
    static byte[] digest(byte[] certificate, byte[] key) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            sha256.update(Integer.toString(certificate.length).getBytes(StandardCharsets.US_ASCII));
            sha256.update((byte) ':');
            sha256.update(certificate);
            sha256.update(key);
            return sha256.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no SHA-256", e);
        }
    }

    /** Parses bytes read from the two files and checks that the key fits the leaf. */
    static ServedCertificate parse(Path certificateFile, byte[] certificate, Path keyFile, byte[] key) throws IOException {
        List<X509Certificate> chain = readChain(certificateFile, certificate);
        PrivateKey privateKey = PemFiles.readPrivateKey(key, keyFile);
        requireMatch(privateKey, chain.getFirst(), certificateFile, keyFile);
        return new ServedCertificate(chain, privateKey, digest(certificate, key));
    }

    boolean sameFiles(byte[] otherDigest) {
        return Arrays.equals(digest, otherDigest);
    }

    static List<X509Certificate> readChain(Path certificateFile, byte[] pem) throws IOException {
        List<X509Certificate> chain = new ArrayList<>();
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        try (Reader reader = new InputStreamReader(new ByteArrayInputStream(pem), StandardCharsets.US_ASCII);
             PEMParser parser = new PEMParser(reader)) {
            for (Object item = parser.readObject(); item != null; item = parser.readObject()) {
                if (item instanceof X509CertificateHolder holder) {
                    chain.add(converter.getCertificate(holder));
                }
            }
        } catch (GeneralSecurityException | IOException | RuntimeException e) {
            throw new IOException(certificateFile + ": not a PEM certificate: " + e.getMessage(), e);
        }
        if (chain.isEmpty()) {
            throw new IOException(certificateFile + ": no PEM certificate found");
        }
        return chain;
    }

    /** Signs a random challenge with {@code key} and verifies it with the leaf's public key. */
    private static void requireMatch(PrivateKey key, X509Certificate leaf, Path certificateFile, Path keyFile)
            throws IOException {
        byte[] challenge = new byte[32];
        new SecureRandom().nextBytes(challenge);
        boolean fits;
        try {
            Signature signer = signature(key);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signed = signer.sign();
            Signature verifier = signature(key);
            verifier.initVerify(leaf.getPublicKey());
            verifier.update(challenge);
            fits = verifier.verify(signed);
        } catch (GeneralSecurityException | RuntimeException e) {
            fits = false;
        }
        if (!fits) {
            throw new IOException(keyFile + ": the key does not fit the certificate in " + certificateFile
                    + " (" + leaf.getSubjectX500Principal().getName() + ")");
        }
    }

    private static Signature signature(PrivateKey key) throws GeneralSecurityException {
        return switch (key.getAlgorithm()) {
            case "RSA" -> Signature.getInstance("SHA256withRSA");
            case "EC", "ECDSA" -> Signature.getInstance("SHA256withECDSA");
            case "Ed25519", "Ed448", "EdDSA" -> Signature.getInstance("EdDSA");
            case "RSASSA-PSS" -> {
                Signature pss = Signature.getInstance("RSASSA-PSS");
                pss.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
                yield pss;
            }
            default -> throw new GeneralSecurityException("cannot check a " + key.getAlgorithm() + " key");
        };
    }
}
