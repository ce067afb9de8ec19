package io.portcullis.content.authentication;

import io.portcullis.dns.DnsLookup;
import io.portcullis.content.ContentMessage;
import io.portcullis.content.DkimCanonical;
import io.portcullis.content.HeaderField;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * DKIM verification (RFC 6376 §6) of every DKIM-Signature (at most five), RSA-SHA256 and
 * Ed25519-SHA256 (RFC 8463). RSA-SHA1 and RSA keys under 1024 bits are refused (RFC 8301).
 */
public final class DkimVerification {
    private static final int MAX_SIGNATURES = 5;
    private static final Pattern B_TAG = Pattern.compile("(^|;)(\\s*b\\s*=)[^;]*");
    private static final byte[] ED25519_SPKI_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

    /**
     * One signature's result (pass, fail, neutral, temperror, permerror) with the tags an
     * Authentication-Results header reports.
     */
    public record Result(String result, String domain, String selector, String algorithm, String reason, String bPrefix) {
    }

    private DkimVerification() {
    }

    public static List<Result> verifyAll(ContentMessage message, DnsLookup dns) throws IOException {
        List<Result> results = new ArrayList<>();
        for (HeaderField field : message.headers()) {
            if (field.is("DKIM-Signature") && results.size() < MAX_SIGNATURES) {
                results.add(verify(message, field, dns));
            }
        }
        return results;
    }

    private static Result verify(ContentMessage message, HeaderField signature, DnsLookup dns) throws IOException {
        Map<String, String> tags;
        try {
            tags = tags(signature.value());
        } catch (IllegalArgumentException e) {
            return new Result("permerror", null, null, null, e.getMessage(), null);
        }
        String domain = tags.get("d");
        String selector = tags.get("s");
        String algorithm = tags.get("a");
        String b = tags.getOrDefault("b", "").replaceAll("\\s", "");
        String bPrefix = b.length() >= 8 ? b.substring(0, 8) : null;
        for (String required : List.of("v", "a", "b", "bh", "d", "h", "s")) {
            if (!tags.containsKey(required)) {
                return new Result("permerror", domain, selector, algorithm, "missing tag " + required + "=", bPrefix);
            }
        }
        if (!"1".equals(tags.get("v"))) {
            return new Result("permerror", domain, selector, algorithm, "unknown version", bPrefix);
        }
        boolean ed25519 = algorithm.equalsIgnoreCase("ed25519-sha256");
        if (!ed25519 && !algorithm.equalsIgnoreCase("rsa-sha256")) {
            return new Result("permerror", domain, selector, algorithm, "algorithm not accepted", bPrefix);
        }
        List<String> signed = List.of(tags.get("h").toLowerCase(Locale.ROOT).replaceAll("\\s", "").split(":"));
        if (!signed.contains("from")) {
            return new Result("permerror", domain, selector, algorithm, "From: not signed", bPrefix);
        }
        String identity = tags.get("i");
        if (identity != null) {
            String identityDomain = identity.substring(identity.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
            String d = domain.toLowerCase(Locale.ROOT);
            if (!identityDomain.equals(d) && !identityDomain.endsWith("." + d)) {
                return new Result("permerror", domain, selector, algorithm, "i= outside d=", bPrefix);
            }
        }
        if (tags.containsKey("x") && tags.get("x").matches("\\d{1,12}")
                && Long.parseLong(tags.get("x")) < System.currentTimeMillis() / 1000) {
            return new Result("permerror", domain, selector, algorithm, "signature expired", bPrefix);
        }
        String[] canonicalization = tags.getOrDefault("c", "simple/simple").toLowerCase(Locale.ROOT).split("/", 2);
        boolean relaxedHeaders = canonicalization[0].equals("relaxed");
        boolean relaxedBody = canonicalization.length > 1 && canonicalization[1].equals("relaxed");
        long limit = -1;
        if (tags.containsKey("l")) {
            if (!tags.get("l").matches("\\d{1,18}")) {
                return new Result("permerror", domain, selector, algorithm, "bad l=", bPrefix);
            }
            limit = Long.parseLong(tags.get("l"));
        }

        PublicKey key;
        try {
            key = publicKey(dns, selector, domain, ed25519);
        } catch (DnsLookup.DnsException e) {
            return new Result("temperror", domain, selector, algorithm, "key lookup failed", bPrefix);
        } catch (KeyProblem e) {
            return new Result("permerror", domain, selector, algorithm, e.getMessage(), bPrefix);
        }

        byte[] bodyHash;
        try (InputStream body = message.openAfterHeaders()) {
            bodyHash = DkimCanonical.bodyHash(body, relaxedBody, "SHA-256", limit);
        }
        byte[] expectedBodyHash;
        try {
            expectedBodyHash = Base64.getDecoder().decode(tags.get("bh").replaceAll("\\s", ""));
        } catch (IllegalArgumentException e) {
            return new Result("permerror", domain, selector, algorithm, "bad bh=", bPrefix);
        }
        if (!MessageDigest.isEqual(bodyHash, expectedBodyHash)) {
            return new Result("fail", domain, selector, algorithm, "body hash did not verify", bPrefix);
        }

        ByteArrayOutputStream data = new ByteArrayOutputStream();
        Map<String, Integer> used = new HashMap<>();
        List<HeaderField> fields = message.headers();
        for (String name : signed) {
            int skip = used.merge(name, 1, Integer::sum);
            HeaderField chosen = null;
            for (int i = fields.size() - 1, seen = 0; i >= 0; i--) { // bottom-up (§5.4.2)
                if (fields.get(i).is(name) && ++seen == skip) {
                    chosen = fields.get(i);
                    break;
                }
            }
            if (chosen != null) {
                String canonical = relaxedHeaders ? DkimCanonical.relaxedHeader(chosen) : DkimCanonical.simpleHeader(chosen);
                data.writeBytes(canonical.getBytes(StandardCharsets.ISO_8859_1));
            }
        }
        String raw = new String(signature.raw(), StandardCharsets.ISO_8859_1);
        int colon = raw.indexOf(':');
        String withoutB = raw.substring(0, colon + 1) + B_TAG.matcher(raw.substring(colon + 1)).replaceFirst("$1$2");
        if (withoutB.endsWith("\r\n")) {
            withoutB = withoutB.substring(0, withoutB.length() - 2);
        }
        String ownField = relaxedHeaders
                ? DkimCanonical.relaxedHeader(withoutB.substring(0, colon), withoutB.substring(colon + 1))
                : withoutB;
        data.writeBytes(ownField.getBytes(StandardCharsets.ISO_8859_1));
        try {
            byte[] signatureBytes = Base64.getDecoder().decode(b);
            Signature verifier;
            byte[] signedData = data.toByteArray();
            if (ed25519) {
                verifier = Signature.getInstance("Ed25519");
                signedData = MessageDigest.getInstance("SHA-256").digest(signedData);
            } else {
                verifier = Signature.getInstance("SHA256withRSA");
            }
            verifier.initVerify(key);
            verifier.update(signedData);
            return verifier.verify(signatureBytes)
                    ? new Result("pass", domain, selector, algorithm, null, bPrefix)
                    : new Result("fail", domain, selector, algorithm, "signature did not verify", bPrefix);
        } catch (IllegalArgumentException | GeneralSecurityException e) {
            return new Result("fail", domain, selector, algorithm, "signature did not verify", bPrefix);
        }
    }

    private static final class KeyProblem extends Exception {
        KeyProblem(String message) {
            super(message, null, false, false);
        }
    }

    private static PublicKey publicKey(DnsLookup dns, String selector, String domain, boolean ed25519)
            throws DnsLookup.DnsException, KeyProblem {
        List<String> records = dns.txt(selector + "._domainkey." + domain);
        if (records.isEmpty()) {
            throw new KeyProblem("no key for signature");
        }
        Map<String, String> key;
        try {
            key = tags(records.getFirst());
        } catch (IllegalArgumentException e) {
            throw new KeyProblem("bad key record");
        }
        if (key.containsKey("v") && !"DKIM1".equals(key.get("v"))) {
            throw new KeyProblem("bad key record version");
        }
        String type = key.getOrDefault("k", "rsa").toLowerCase(Locale.ROOT);
        if (!type.equals(ed25519 ? "ed25519" : "rsa")) {
            throw new KeyProblem("key type does not match the algorithm");
        }
        String p = key.getOrDefault("p", "").replaceAll("\\s", "");
        if (p.isEmpty()) {
            throw new KeyProblem("key revoked");
        }
        try {
            byte[] encoded = Base64.getDecoder().decode(p);
            if (ed25519) {
                if (encoded.length != 32) {
                    throw new KeyProblem("Ed25519 key is not 32 octets");
                }
                byte[] spki = new byte[ED25519_SPKI_PREFIX.length + 32];
                System.arraycopy(ED25519_SPKI_PREFIX, 0, spki, 0, ED25519_SPKI_PREFIX.length);
                System.arraycopy(encoded, 0, spki, ED25519_SPKI_PREFIX.length, 32);
                return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
            }
            PublicKey rsa;
            try {
                rsa = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(encoded));
            } catch (GeneralSecurityException e) {
                rsa = pkcs1(encoded); // some publish the bare RSAPublicKey
            }
            if (((RSAPublicKey) rsa).getModulus().bitLength() < 1024) {
                throw new KeyProblem("RSA key shorter than 1024 bits");
            }
            return rsa;
        } catch (IllegalArgumentException | GeneralSecurityException | ClassCastException e) {
            throw new KeyProblem("bad key data");
        }
    }

    private static PublicKey pkcs1(byte[] encoded) throws GeneralSecurityException {
        org.bouncycastle.asn1.pkcs.RSAPublicKey key = org.bouncycastle.asn1.pkcs.RSAPublicKey.getInstance(encoded);
        return KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(key.getModulus(), key.getPublicExponent()));
    }

    /** A tag-list (RFC 6376 §3.2): tag=value pairs separated by semicolons; a duplicate tag is an error. */
    static Map<String, String> tags(String text) {
        Map<String, String> tags = new LinkedHashMap<>();
        for (String part : text.split(";")) {
            if (part.isBlank()) {
                continue;
            }
            int equals = part.indexOf('=');
            if (equals < 0) {
                throw new IllegalArgumentException("tag without a value: " + part.strip());
            }
            String name = part.substring(0, equals).strip();
            if (tags.put(name, part.substring(equals + 1).strip()) != null) {
                throw new IllegalArgumentException("duplicate tag " + name);
            }
        }
        return tags;
    }
}
