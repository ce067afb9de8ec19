package io.portcullis.content.authentication;

import java.util.Locale;

/** The results of check_host() (RFC 7208 §2.6), named as in Authentication-Results. */
public enum SpfResult {
    NONE, NEUTRAL, PASS, FAIL, SOFTFAIL, TEMPERROR, PERMERROR;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    static SpfResult ofQualifier(char qualifier) {
        return switch (qualifier) {
            case '-' -> FAIL;
            case '~' -> SOFTFAIL;
            case '?' -> NEUTRAL;
            default -> PASS;
        };
    }
}
