package io.portcullis.smtp;

import java.util.Locale;

/**
 * A mailbox as RFC 5321 §4.1.2 defines it: a local part exactly as the client wrote it (dot-string
 * or quoted string) and a domain or address literal. The only mailbox without a domain is the
 * special {@code <postmaster>} recipient (RFC 5321 §4.5.1).
 *
 * <p>Construct through {@link PathParser}; an instance is always syntactically valid.
 */
public record Mailbox(String localPart, String domain) {

    public static Mailbox postmaster() {
        return new Mailbox("postmaster", null);
    }

    /**
     * The domain for comparisons and routing: its {@link DomainName#canonical} A-label form (the
     * parser accepts only domains that have one); address literals are lower-cased with brackets.
     */
    public String canonicalDomain() {
        if (domain == null) {
            return null;
        }
        String canonical = DomainName.canonical(domain);
        return canonical == null ? domain.toLowerCase(Locale.ROOT) : canonical;
    }

    public boolean isAddressLiteral() {
        return domain != null && domain.startsWith("[");
    }

    /** The local part with quoting removed: {@code "a\"b"} becomes {@code a"b}. */
    public String unquotedLocalPart() {
        if (!localPart.startsWith("\"")) {
            return localPart;
        }
        StringBuilder out = new StringBuilder(localPart.length());
        for (int i = 1; i < localPart.length() - 1; i++) {
            char c = localPart.charAt(i);
            if (c == '\\') {
                c = localPart.charAt(++i);
            }
            out.append(c);
        }
        return out.toString();
    }

    /** True when the address needs SMTPUTF8 to be carried (RFC 6531 §3.2). */
    public boolean needsSmtpUtf8() {
        return !isAscii(localPart) || (domain != null && !isAscii(domain));
    }

    public static boolean isAscii(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) > 127) {
                return false;
            }
        }
        return true;
    }

    /** The address as it appears inside angle brackets. */
    @Override
    public String toString() {
        return domain == null ? localPart : localPart + "@" + domain;
    }
}
