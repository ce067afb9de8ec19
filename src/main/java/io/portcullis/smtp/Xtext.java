package io.portcullis.smtp;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The xtext encoding of DSN parameters (RFC 3461 §4): printable US-ASCII other than "+" and "="
 * as itself, any other octet as "+" and two upper-case hex digits. Decoding is strict: lower-case
 * hex, a "+" without two hex digits, a raw octet outside "!".."~", and escaped octets that are
 * not UTF-8 are all syntax errors. What the decoded text may contain is the field's business
 * ({@link #isPrintableAscii}); a decoded value reaches a DSN header, so CR and LF must never pass.
 */
public final class Xtext {
    private Xtext() {
    }

    public static String decode(String xtext) throws SyntaxException {
        byte[] out = new byte[xtext.length()];
        int length = 0;
        for (int i = 0; i < xtext.length(); i++) {
            char c = xtext.charAt(i);
            if (c == '+') {
                if (i + 2 >= xtext.length() || !isUpperHex(xtext.charAt(i + 1)) || !isUpperHex(xtext.charAt(i + 2))) {
                    throw new SyntaxException("bad xtext escape (\"+\" and two upper-case hex digits)");
                }
                out[length++] = (byte) (Character.digit(xtext.charAt(i + 1), 16) << 4 | Character.digit(xtext.charAt(i + 2), 16));
                i += 2;
            } else if (c >= 33 && c <= 126 && c != '=') {
                out[length++] = (byte) c;
            } else {
                throw new SyntaxException("bad character in xtext");
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(out, 0, length)).toString();
        } catch (CharacterCodingException e) {
            throw new SyntaxException("xtext does not decode to UTF-8");
        }
    }

    public static String encode(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (byte raw : text.getBytes(StandardCharsets.UTF_8)) {
            int b = raw & 0xff;
            if (b >= 33 && b <= 126 && b != '+' && b != '=') {
                out.append((char) b);
            } else {
                out.append('+').append(Character.toUpperCase(Character.forDigit(b >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
            }
        }
        return out.toString();
    }

    /** Printable US-ASCII, space included (RFC 3461 §4.4, §4.2): no control character, no DEL, no 8-bit. */
    public static boolean isPrintableAscii(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 32 || c > 126) {
                return false;
            }
        }
        return true;
    }

    private static boolean isUpperHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
    }
}
