package io.portcullis.auth;

import java.security.SecureRandom;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/** bcrypt (Bouncy Castle's OpenBSD-compatible implementation): $2y$ hashes with a random salt. */
public final class PasswordHashes {
    /** 2^12 rounds: about a quarter of a second per check here, which is the point. */
    public static final int COST = 12;
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Checked against when the user does not exist, so unknown users cost the same time as known ones. */
    private static final String DUMMY = hash("not-a-password".toCharArray(), COST);

    private PasswordHashes() {
    }

    public static String hash(char[] password, int cost) {
        byte[] salt = new byte[16];
        RANDOM.nextBytes(salt);
        return OpenBSDBCrypt.generate("2y", password, salt, cost);
    }

    /** Constant-time check; a malformed hash never matches. */
    public static boolean verify(String hash, char[] password) {
        try {
            return OpenBSDBCrypt.checkPassword(hash == null ? DUMMY : hash, password) && hash != null;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
