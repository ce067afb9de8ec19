package io.portcullis.smtp;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** The xtext encoding of DSN parameters (RFC 3461 §4): "+" and two upper-case hex digits. */
public final class Xtext {
    private Xtext() {
    }

    public static String decode(String xtext) throws SyntaxException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(xtext.length());
        byte[] bytes = xtext.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            int b = bytes[i] & 0xff;
            if (b == '+') {
                if (i + 2 >= bytes.length || !isUpperHex(bytes[i + 1]) || !isUpperHex(bytes[i + 2])) {
                    throw new SyntaxException("bad xtext escape");
                }
                out.write(Integer.parseInt(new String(bytes, i + 1, 2, StandardCharsets.US_ASCII), 16));
                i += 2;
            } else if ((b >= 33 && b <= 126 && b != '=') || b >= 128) {
                out.write(b);
            } else {
                throw new SyntaxException("bad character in xtext");
            }
        }
        return out.toString(StandardCharsets.UTF_8);
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

    private static boolean isUpperHex(byte b) {
        return (b >= '0' && b <= '9') || (b >= 'A' && b <= 'F');
    }
}
