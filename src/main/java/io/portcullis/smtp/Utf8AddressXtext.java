package io.portcullis.smtp;

/**
 * The 7-bit form of an internationalized address in a DSN, {@code utf-8-addr-xtext} of RFC 6533
 * §3: the ORCPT value of type {@code utf-8}, and the same text in a report's Original-Recipient
 * field. QCHAR (printable US-ASCII other than "\", "+" and "=") stands for itself; any other
 * character is written {@code \x{HEXPOINT}}.
 *
 * <p>Decoding is strict, after the grammar's HEXPOINT: upper-case hex digits without a leading
 * zero, and only for a character that needs it (space, "+", "=", "\" or one beyond US-ASCII), so
 * every address has exactly one spelling. Control characters (C0, DEL, C1), surrogates and code
 * points beyond U+10FFFF are refused in any spelling: a receiver that decodes the text must never
 * find a line break or a NUL in it. Nothing here allocates for more than the text given.
 */
public final class Utf8AddressXtext {
    private static final int MAX_HEX_DIGITS = 6;

    private Utf8AddressXtext() {
    }

    /** The address the text stands for; a syntax error for anything the grammar or the rules above refuse. */
    public static String decode(String xtext) throws SyntaxException {
        if (xtext.isEmpty()) {
            throw new SyntaxException("empty utf-8 address");
        }
        StringBuilder out = new StringBuilder(xtext.length());
        int i = 0;
        while (i < xtext.length()) {
            char c = xtext.charAt(i);
            if (c == '\\') {
                i = escape(xtext, i, out);
            } else if (isQchar(c)) {
                out.append(c);
                i++;
            } else {
                throw new SyntaxException("bad character in utf-8 address (only printable US-ASCII but \"\\\", \"+\", \"=\")");
            }
        }
        return out.toString();
    }

    /** True when {@link #decode} accepts the text. */
    public static boolean isValid(String xtext) {
        try {
            decode(xtext);
            return true;
        } catch (SyntaxException e) {
            return false;
        }
    }

    /** Reads {@code \x{HEXPOINT}} at {@code start}, appends the character, returns the index after it. */
    private static int escape(String xtext, int start, StringBuilder out) throws SyntaxException {
        if (!xtext.startsWith("\\x{", start)) {
            throw new SyntaxException("bad escape in utf-8 address (\"\\x{\" hex \"}\")");
        }
        int digitsStart = start + 3;
        int close = digitsStart;
        while (close < xtext.length() && close - digitsStart <= MAX_HEX_DIGITS && isUpperHex(xtext.charAt(close))) {
            close++;
        }
        int digits = close - digitsStart;
        if (close >= xtext.length() || xtext.charAt(close) != '}' || digits == 0 || digits > MAX_HEX_DIGITS) {
            throw new SyntaxException("bad escape in utf-8 address (\"\\x{\", 1 to 6 upper-case hex digits, \"}\")");
        }
        if (xtext.charAt(digitsStart) == '0') {
            throw new SyntaxException("bad escape in utf-8 address (leading zero)");
        }
        int codePoint = Integer.parseInt(xtext, digitsStart, close, 16);
        if (codePoint > Character.MAX_CODE_POINT) {
            throw new SyntaxException("bad escape in utf-8 address (beyond U+10FFFF)");
        }
        if (codePoint >= Character.MIN_SURROGATE && codePoint <= Character.MAX_SURROGATE) {
            throw new SyntaxException("bad escape in utf-8 address (a surrogate)");
        }
        if (isControl(codePoint)) {
            throw new SyntaxException("control character in utf-8 address");
        }
        if (codePoint < 0x80 && codePoint != ' ' && codePoint != '+' && codePoint != '=' && codePoint != '\\') {
            throw new SyntaxException("needless escape in utf-8 address (printable US-ASCII stands for itself)");
        }
        out.appendCodePoint(codePoint);
        return close + 1;
    }

    /** C0 controls, DEL and C1 controls (U+0080 to U+009F). */
    private static boolean isControl(int codePoint) {
        return codePoint < 0x20 || (codePoint >= 0x7F && codePoint <= 0x9F);
    }

    /** QCHAR: %x21-2a / %x2c-3c / %x3e-5b / %x5d-7e. */
    private static boolean isQchar(char c) {
        return c >= 0x21 && c <= 0x7E && c != '+' && c != '=' && c != '\\';
    }

    private static boolean isUpperHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
    }
}
