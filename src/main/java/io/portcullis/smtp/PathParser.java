package io.portcullis.smtp;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Parses the argument of MAIL and RCPT strictly by RFC 5321 §4.1.2 with the RFC 6531 extensions
 * for UTF-8: {@code FROM:<path> params} and {@code TO:<path> params}. No leniency: no space after
 * the colon, no missing angle brackets, no trailing dot in a domain. A source route is accepted
 * and dropped, as §4.1.1.3 and Appendix C require.
 */
public final class PathParser {

    /**
     * A parsed path: the mailbox (null for the null reverse-path {@code <>}), the unparsed text of
     * its parameters (empty when none), so the caller can tell address errors from parameter ones,
     * and whether the client wrote a source route (dropped, but a sign of sender-specified routing).
     */
    public record ParsedPath(Mailbox mailbox, String parameterText, boolean sourceRouted) {
    }

    static final int MAX_LOCAL_PART = 64;
    static final int MAX_DOMAIN = 255;
    static final int MAX_PATH = 256;
    private static final int MAX_LABEL = 63;

    private final String text;
    private int pos;

    private PathParser(String text, int pos) {
        this.text = text;
        this.pos = pos;
    }

    /** Parses {@code FROM:<reverse-path> [params]}; {@code <>} gives a null mailbox. */
    public static ParsedPath parseMailFrom(String argument) throws SyntaxException {
        return parse(argument, "FROM:", true);
    }

    /** Parses {@code TO:<forward-path> [params]}; {@code <postmaster>} needs no domain. */
    public static ParsedPath parseRcptTo(String argument) throws SyntaxException {
        return parse(argument, "TO:", false);
    }

    /** Parses a bare mailbox such as {@code user@example.test}, e.g. from configuration. */
    public static Mailbox parseMailbox(String address) throws SyntaxException {
        PathParser parser = new PathParser(address, 0);
        Mailbox mailbox = parser.mailbox();
        if (parser.pos != address.length()) {
            throw new SyntaxException("unexpected text after the address");
        }
        return mailbox;
    }

    /** Parses a domain name (RFC 5321 Domain, with U-labels). */
    public static String parseDomain(String domain) throws SyntaxException {
        PathParser parser = new PathParser(domain, 0);
        String parsed = parser.domain();
        if (parser.pos != domain.length()) {
            throw new SyntaxException("unexpected text after the domain");
        }
        return parsed;
    }

    /** Parses the argument of EHLO/HELO: a domain or an address literal (RFC 5321 §4.1.1.1). */
    public static String parseDomainOrLiteral(String text) throws SyntaxException {
        PathParser parser = new PathParser(text, 0);
        String parsed = parser.peek() == '[' ? parser.addressLiteral() : parser.domain();
        if (parser.pos != text.length()) {
            throw new SyntaxException("unexpected text after the domain");
        }
        return parsed;
    }

    private static ParsedPath parse(String argument, String keyword, boolean reversePath) throws SyntaxException {
        if (argument.length() < keyword.length()
                || !argument.regionMatches(true, 0, keyword, 0, keyword.length())) {
            throw new SyntaxException("expected " + keyword + "<address>");
        }
        PathParser parser = new PathParser(argument, keyword.length());
        int pathStart = parser.pos;
        Mailbox mailbox = parser.path(reversePath);
        boolean sourceRouted = argument.startsWith("<@", pathStart);
        if (utf8Length(argument.substring(pathStart, parser.pos)) > MAX_PATH) {
            throw new SyntaxException("path longer than " + MAX_PATH + " octets");
        }
        String parameters = "";
        if (parser.pos < argument.length()) {
            if (argument.charAt(parser.pos) != ' ') {
                throw new SyntaxException("unexpected text after the address");
            }
            parameters = argument.substring(parser.pos + 1);
            if (parameters.isEmpty()) {
                throw new SyntaxException("trailing space after the address");
            }
        }
        return new ParsedPath(mailbox, parameters, sourceRouted);
    }

    private Mailbox path(boolean reversePath) throws SyntaxException {
        expect('<', "address must be enclosed in <>");
        if (peek() == '>') {
            pos++;
            if (!reversePath) {
                throw new SyntaxException("empty recipient address");
            }
            return null;
        }
        if (peek() == '@') {
            sourceRoute();
        }
        int localStart = pos;
        String localPart = localPart();
        if (!reversePath && peek() == '>' && localPart.equalsIgnoreCase("postmaster")
                && text.charAt(localStart) != '"') {
            pos++;
            return Mailbox.postmaster();
        }
        pos = localStart;
        Mailbox mailbox = mailbox();
        expect('>', "expected > after the address");
        return mailbox;
    }

    /** A-d-l ":" (RFC 5321 §4.1.2): parsed for syntax, then ignored (Appendix C). */
    private void sourceRoute() throws SyntaxException {
        while (true) {
            expect('@', "bad source route");
            domain();
            if (peek() == ',') {
                pos++;
            } else {
                expect(':', "bad source route");
                return;
            }
        }
    }

    private Mailbox mailbox() throws SyntaxException {
        String localPart = localPart();
        if (utf8Length(localPart) > MAX_LOCAL_PART) {
            throw new SyntaxException("local part longer than " + MAX_LOCAL_PART + " octets");
        }
        expect('@', "expected @domain");
        String domain = peek() == '[' ? addressLiteral() : domain();
        return new Mailbox(localPart, domain);
    }

    private String localPart() throws SyntaxException {
        int start = pos;
        if (peek() == '"') {
            pos++;
            while (true) {
                int c = peek();
                if (c == -1) {
                    throw new SyntaxException("unterminated quoted local part");
                } else if (c == '"') {
                    pos++;
                    break;
                } else if (c == '\\') {
                    pos++;
                    int escaped = peek();
                    if (escaped < 32 || escaped > 126) {
                        throw new SyntaxException("bad quoted pair in local part");
                    }
                    pos++;
                } else if ((c >= 32 && c <= 126) || c >= 128) {
                    pos++;
                } else {
                    throw new SyntaxException("control character in local part");
                }
            }
            if (pos - start == 2) {
                throw new SyntaxException("empty quoted local part");
            }
            return text.substring(start, pos);
        }
        while (true) {
            int atomStart = pos;
            while (isAtext(peek())) {
                pos++;
            }
            if (pos == atomStart) {
                throw new SyntaxException("bad local part");
            }
            if (peek() != '.') {
                return text.substring(start, pos);
            }
            pos++;
        }
    }

    private String domain() throws SyntaxException {
        int start = pos;
        while (true) {
            int labelStart = pos;
            int c = peek();
            if (!isLetterOrDigit(c)) {
                throw new SyntaxException("bad domain");
            }
            while (isLetterOrDigit(peek()) || peek() == '-') {
                pos++;
            }
            if (text.charAt(pos - 1) == '-') {
                throw new SyntaxException("domain label ends with a hyphen");
            }
            if (utf8Length(text.substring(labelStart, pos)) > MAX_LABEL) {
                throw new SyntaxException("domain label longer than " + MAX_LABEL + " octets");
            }
            if (peek() != '.') {
                break;
            }
            pos++;
        }
        String domain = text.substring(start, pos);
        if (utf8Length(domain) > MAX_DOMAIN) {
            throw new SyntaxException("domain longer than " + MAX_DOMAIN + " octets");
        }
        if (DomainName.canonical(domain) == null) { // UTS #46: U-labels and xn-- labels must be valid IDNA
            throw new SyntaxException("invalid internationalized domain");
        }
        return domain;
    }

    /** {@code [1.2.3.4]} or {@code [IPv6:...]} (RFC 5321 §4.1.3); general literals are refused. */
    private String addressLiteral() throws SyntaxException {
        int start = pos;
        int end = text.indexOf(']', pos);
        if (end < 0) {
            throw new SyntaxException("unterminated address literal");
        }
        String inside = text.substring(pos + 1, end);
        pos = end + 1;
        if (inside.regionMatches(true, 0, "IPv6:", 0, 5)) {
            if (!InetAddresses.isIpv6(inside.substring(5))) {
                throw new SyntaxException("bad IPv6 address literal");
            }
        } else if (!InetAddresses.isIpv4(inside)) {
            throw new SyntaxException("bad address literal");
        }
        return text.substring(start, pos);
    }

    private int peek() {
        return pos < text.length() ? text.charAt(pos) : -1;
    }

    private void expect(char c, String error) throws SyntaxException {
        if (peek() != c) {
            throw new SyntaxException(error);
        }
        pos++;
    }

    private static boolean isLetterOrDigit(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 128;
    }

    /** atext of RFC 5322 §3.2.3, extended with UTF-8 by RFC 6531 §3.3. */
    private static boolean isAtext(int c) {
        return isLetterOrDigit(c) || (c > 0 && "!#$%&'*+-/=?^_`{|}~".indexOf(c) >= 0);
    }

    static int utf8Length(String text) {
        return Mailbox.isAscii(text) ? text.length() : text.getBytes(StandardCharsets.UTF_8).length;
    }

    /** Splits parameter lists; also used for lists in configuration. */
    static List<String> splitOnSpace(String text) throws SyntaxException {
        List<String> parts = new ArrayList<>();
        for (String part : text.split(" ", -1)) {
            if (part.isEmpty()) {
                throw new SyntaxException("empty parameter (extra space)");
            }
            parts.add(part);
        }
        return parts;
    }

    static String upper(String text) {
        return text.toUpperCase(Locale.ROOT);
    }
}
