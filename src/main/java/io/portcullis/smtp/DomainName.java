package io.portcullis.smtp;

import com.ibm.icu.text.IDNA;
import java.util.Locale;

/**
 * The one canonical spelling of a domain name for comparisons: IDNA A-labels after the UTS #46
 * mapping (non-transitional, as IDNA2008 and DNS registries use it), lower case, without a
 * trailing root dot. Fullwidth letters, the ideographic and fullwidth full stops (U+3002, U+FF0E,
 * U+FF61), upper case, ignorable characters and {@code xn--} spellings of the same name all come out
 * the same, so no second spelling of one of our domains slips past a relay or anti-spoofing check.
 *
 * <p>The JDK's {@link java.net.IDN} implements IDNA2003 (Unicode 3.2): it leaves later characters
 * that UTS #46 maps to ASCII (U+1F134 SQUARED LATIN CAPITAL LETTER E, for one) unmapped, and does not
 * check {@code xn--} labels, hence ICU. Plain ASCII names without {@code xn--} labels, nearly all
 * mail, take a fast path that only lower-cases.
 */
public final class DomainName {
    private static final IDNA UTS46 = IDNA.getUTS46Instance(
            IDNA.NONTRANSITIONAL_TO_ASCII | IDNA.CHECK_BIDI | IDNA.CHECK_CONTEXTJ);

    private DomainName() {
    }

    /**
     * The canonical form of {@code domain}, or null when it has none: UTS #46 processing reported
     * an error (invalid Punycode, an empty label, a joiner out of context, a bidi rule broken, ...).
     * An address literal ({@code [...]}) is only lower-cased.
     */
    public static String canonical(String domain) {
        if (domain.startsWith("[")) {
            return domain.toLowerCase(Locale.ROOT);
        }
        String result;
        if (isPlainAscii(domain)) {
            result = domain.toLowerCase(Locale.ROOT);
        } else {
            StringBuilder out = new StringBuilder(domain.length() + 16);
            IDNA.Info info = new IDNA.Info();
            UTS46.nameToASCII(domain, out, info);
            if (info.hasErrors()) {
                return null;
            }
            result = out.toString();
        }
        if (result.endsWith(".")) {
            result = result.substring(0, result.length() - 1);
        }
        return result.isEmpty() || result.startsWith(".") || result.endsWith(".") ? null : result;
    }

    /** ASCII without any {@code xn--} label: nothing for UTS #46 to map or check. */
    private static boolean isPlainAscii(String domain) {
        boolean labelStart = true;
        for (int i = 0; i < domain.length(); i++) {
            char c = domain.charAt(i);
            if (c > 127) {
                return false;
            }
            if (labelStart && (c == 'x' || c == 'X') && domain.regionMatches(true, i, "xn--", 0, 4)) {
                return false;
            }
            labelStart = c == '.';
        }
        return true;
    }
}
