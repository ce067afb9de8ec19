package io.portcullis.content;

import io.portcullis.config.CheckConfig;
import io.portcullis.config.PemFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.RSAPublicKeySpec;
import java.util.Base64;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A loaded DKIM private key. Keys named in the config are read; keys without a file are generated
 * once into the data directory (2048-bit RSA, or Ed25519) and the DNS TXT record that publishes
 * the public half is written beside them and logged, for the admin to publish.
 */
final class DkimSigningKey {
    private static final Logger log = LoggerFactory.getLogger(DkimSigningKey.class);

    private final CheckConfig.DkimKey config;
    private final PrivateKey privateKey;

    private DkimSigningKey(CheckConfig.DkimKey config, PrivateKey privateKey) {
        this.config = config;
        this.privateKey = privateKey;
    }

    static DkimSigningKey load(CheckConfig.DkimKey config, Path dataDirectory) throws IOException {
        Path file = config.keyFile();
        if (file == null) {
            file = dataDirectory.resolve("dkim").resolve(config.selector() + "._domainkey." + config.domain() + "."
                    + config.algorithm().keyType() + ".pem");
            if (!Files.exists(file)) {
                generate(config, file);
            }
        }
        PrivateKey key = PemFiles.readPrivateKey(file);
        boolean rsa = key.getAlgorithm().equals("RSA");
        if (rsa != (config.algorithm() == CheckConfig.DkimAlgorithm.RSA_SHA256)) {
            throw new IOException(file + ": a " + key.getAlgorithm() + " key cannot sign " + config.algorithm().tag());
        }
        return new DkimSigningKey(config, key);
    }

    private static void generate(CheckConfig.DkimKey config, Path file) throws IOException {
        io.portcullis.spool.PrivateFiles.createDirectories(file.getParent());
        try {
            KeyPairGenerator generator;
            if (config.algorithm() == CheckConfig.DkimAlgorithm.RSA_SHA256) {
                generator = KeyPairGenerator.getInstance("RSA");
                generator.initialize(2048);
            } else {
                generator = KeyPairGenerator.getInstance("Ed25519");
            }
            KeyPair pair = generator.generateKeyPair();
            Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
            PemFiles.writePrivateKey(temporary, pair.getPrivate()); // deleted, then created 0600 with O_EXCL
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            String record = record(config, pair.getPrivate());
            io.portcullis.spool.PrivateFiles.replace(file.resolveSibling(config.selector() + "._domainkey." + config.domain()
                    + "." + config.algorithm().keyType() + ".txt"), (record + "\n").getBytes(StandardCharsets.US_ASCII));
            log.info("dkim: generated a {} key for {}; publish this TXT record at {}._domainkey.{}:\n  {}",
                    config.algorithm().tag(), config.domain(), config.selector(), config.domain(), record);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot generate a DKIM key: " + e.getMessage(), e);
        }
    }

    /** The TXT record (RFC 6376 §3.6.1; RFC 8463 §4: Ed25519 publishes the bare 32-octet key). */
    private static String record(CheckConfig.DkimKey config, PrivateKey key) throws IOException {
        byte[] publicKey;
        if (key instanceof RSAPrivateCrtKey rsa) {
            try {
                PublicKey pub = KeyFactory.getInstance("RSA").generatePublic(
                        new RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent()));
                publicKey = pub.getEncoded();
            } catch (GeneralSecurityException e) {
                throw new IOException("cannot derive the RSA public key: " + e.getMessage(), e);
            }
        } else if (key.getAlgorithm().equals("RSA")) {
            throw new IOException("the RSA key for " + config.domain() + " lacks its CRT parameters");
        } else {
            Ed25519PrivateKeyParameters ed25519 = (Ed25519PrivateKeyParameters) PrivateKeyFactory.createKey(key.getEncoded());
            publicKey = ed25519.generatePublicKey().getEncoded();
        }
        return "v=DKIM1; k=" + config.algorithm().keyType() + "; p=" + Base64.getEncoder().encodeToString(publicKey);
    }

    CheckConfig.DkimKey config() {
        return config;
    }

    /** Signs the canonicalized header data (RFC 6376 §3.7; RFC 8463 §3: Ed25519 signs its SHA-256 hash). */
    byte[] sign(byte[] headerData) {
        try {
            if (config.algorithm() == CheckConfig.DkimAlgorithm.RSA_SHA256) {
                Signature signature = Signature.getInstance("SHA256withRSA");
                signature.initSign(privateKey);
                signature.update(headerData);
                return signature.sign();
            }
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(headerData);
            Signature signature = Signature.getInstance("Ed25519");
            signature.initSign(privateKey);
            signature.update(hash);
            return signature.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("DKIM signing failed: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return config.selector() + "._domainkey." + config.domain() + " (" + config.algorithm().tag() + ")";
    }
}
