package io.portcullis.quarantine;

import io.portcullis.spool.PrivateFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Self-service release links for digests: a token names one entry and one recipient, expires, is
 * signed with HMAC-SHA256 under a key kept in the data directory ({@code quarantine-link-key},
 * 32 random octets, {@code 0600}, made at first use), and works once. A used token's digest is
 * appended to {@code quarantine-links-used} and forced before the release it allows, so a crash
 * can lose a release (the recipient clicks again) but never allow a second one.
 *
 * <p>Token: {@code base64url(id NUL recipient NUL expiry-seconds NUL nonce [NUL "allow-sender"]) "." base64url(hmac)}
 * (the last field: the link also adds the sender to the recipient's allow list);
 * the signature is compared in constant time, as the one spelling we made (unpadded, unused bits
 * zero), before anything in the token is believed.
 */
public final class ReleaseLinks {
    private static final Base64.Encoder ENCODE = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODE = Base64.getUrlDecoder();
    private static final int MAX_TOKEN = 1024;
    private static final String ALLOW_SENDER = "allow-sender";

    private final byte[] key;
    private final Path used;
    private final Clock clock;
    private final Map<String, Long> spent = new HashMap<>();
    private final SecureRandom random = new SecureRandom();

    /** What a token says, once its signature and expiry are checked. */
    public record Link(String id, String recipient, Instant expires, boolean allowSender) {
    }

    /** Why a token does not work: {@code INVALID} (not ours, altered), {@code EXPIRED}, {@code USED}. */
    public enum Refusal { INVALID, EXPIRED, USED }

    public ReleaseLinks(Path dataDirectory, Clock clock) throws IOException {
        this.clock = clock;
        Path keyFile = dataDirectory.resolve("quarantine-link-key");
        if (!Files.exists(keyFile)) {
            byte[] fresh = new byte[32];
            random.nextBytes(fresh);
            PrivateFiles.replace(keyFile, fresh);
        }
        this.key = Files.readAllBytes(keyFile);
        if (key.length < 32) {
            throw new IOException(keyFile + " is shorter than 32 octets");
        }
        this.used = dataDirectory.resolve("quarantine-links-used");
        if (Files.exists(used)) {
            // A link expired for a day is refused for its expiry whatever this file says; until
            // then it is kept, so a clock stepped back a little cannot revive a used link.
            long keepAfter = clock.instant().getEpochSecond() - 86_400;
            for (String line : Files.readAllLines(used, StandardCharsets.US_ASCII)) {
                String[] parts = line.split(" ");
                if (parts.length == 2 && parts[1].matches("\\d{1,12}") && Long.parseLong(parts[1]) > keepAfter) {
                    spent.put(parts[0], Long.parseLong(parts[1]));
                }
            }
        }
    }

    /** The time links are signed and checked by. */
    public Instant now() {
        return clock.instant();
    }

    /** A token releasing {@code id} to {@code recipient}, valid until {@code expires}. */
    public String sign(String id, String recipient, Instant expires) {
        return sign(id, recipient, expires, false);
    }

    /** As {@link #sign(String, String, Instant)}; with {@code allowSender}, the link releases and allows the sender. */
    public String sign(String id, String recipient, Instant expires, boolean allowSender) {
        byte[] nonce = new byte[12];
        random.nextBytes(nonce);
        String payload = ENCODE.encodeToString((id + "\0" + recipient + "\0" + expires.getEpochSecond() + "\0"
                + ENCODE.encodeToString(nonce) + (allowSender ? "\0" + ALLOW_SENDER : "")).getBytes(StandardCharsets.UTF_8));
        return payload + "." + ENCODE.encodeToString(mac(payload));
    }

    /** The link a token stands for, checked but not spent. */
    public Link check(String token) throws RefusedLink {
        if (token == null || token.length() > MAX_TOKEN || token.indexOf('.') < 0) {
            throw new RefusedLink(Refusal.INVALID);
        }
        String payload = token.substring(0, token.indexOf('.'));
        String[] fields;
        try {
            // The signature as we spelled it, character for character: base64 has other spellings of
            // the same octets (padding, the last character's unused bits), and each would be a token
            // never spent. So a used link is used in every spelling.
            byte[] signature = token.substring(token.indexOf('.') + 1).getBytes(StandardCharsets.UTF_8);
            if (!MessageDigest.isEqual(signature, ENCODE.encode(mac(payload)))) {
                throw new RefusedLink(Refusal.INVALID);
            }
            fields = new String(DECODE.decode(payload), StandardCharsets.UTF_8).split("\0", -1);
        } catch (IllegalArgumentException e) {
            throw new RefusedLink(Refusal.INVALID);
        }
        if (fields.length < 4 || fields.length > 5 || (fields.length == 5 && !fields[4].equals(ALLOW_SENDER))
                || !fields[2].matches("\\d{1,12}")) {
            throw new RefusedLink(Refusal.INVALID);
        }
        Instant expires = Instant.ofEpochSecond(Long.parseLong(fields[2]));
        if (!clock.instant().isBefore(expires)) {
            throw new RefusedLink(Refusal.EXPIRED);
        }
        synchronized (this) {
            if (spent.containsKey(digest(token))) {
                throw new RefusedLink(Refusal.USED);
            }
        }
        return new Link(fields[0], fields[1], expires, fields.length == 5);
    }

    /** Checks the token and marks it used, durably, before the caller acts on it. */
    public synchronized Link spend(String token) throws RefusedLink, IOException {
        Link link = check(token);
        String digest = digest(token);
        byte[] line = (digest + " " + link.expires().getEpochSecond() + "\n").getBytes(StandardCharsets.US_ASCII);
        try (FileChannel channel = PrivateFiles.openAppend(used)) {
            ByteBuffer bytes = ByteBuffer.wrap(line);
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(false);
        }
        spent.put(digest, link.expires().getEpochSecond());
        return link;
    }

    /** A refused token, with why. */
    public static final class RefusedLink extends Exception {
        private final Refusal refusal;

        RefusedLink(Refusal refusal) {
            super(refusal.name().toLowerCase(java.util.Locale.ROOT), null, false, false);
            this.refusal = refusal;
        }

        public Refusal refusal() {
            return refusal;
        }
    }

    private byte[] mac(String payload) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(payload.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK has HmacSHA256", e);
        }
    }

    private static String digest(String token) {
        try {
            return ENCODE.encodeToString(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
