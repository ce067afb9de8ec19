package io.portcullis.content;

import java.util.Locale;

/**
 * Undoes a Content-Transfer-Encoding (RFC 2045 §6) one line at a time, so a part is decoded as it
 * streams past and never held whole: base64 (alphabet characters only, in groups of four that may
 * span lines), quoted-printable (soft line breaks join lines) and the identity encodings.
 */
abstract class TransferDecoder {
    /** The decoder for a declared encoding; anything unknown passes through as written. */
    static TransferDecoder of(String encoding) {
        return switch (encoding == null ? "" : encoding.strip().toLowerCase(Locale.ROOT)) {
            case "base64" -> new Base64();
            case "quoted-printable" -> new QuotedPrintable();
            default -> new Identity();
        };
    }

    /** True for base64 and quoted-printable, which composite types must not carry (RFC 2045 §6.4). */
    static boolean isEncoding(String encoding) {
        String e = encoding == null ? "" : encoding.strip().toLowerCase(Locale.ROOT);
        return e.equals("base64") || e.equals("quoted-printable");
    }

    /**
     * Decodes one line (or piece of an over-long one; {@code endsLine} false) into {@code out},
     * which has room for {@code length + 2} octets; returns how many it wrote.
     */
    abstract int decode(byte[] line, int length, boolean endsLine, byte[] out);

    private static final class Identity extends TransferDecoder {
        @Override
        int decode(byte[] line, int length, boolean endsLine, byte[] out) {
            System.arraycopy(line, 0, out, 0, length);
            if (!endsLine) {
                return length;
            }
            out[length] = '\r';
            out[length + 1] = '\n';
            return length + 2;
        }
    }

    private static final class Base64 extends TransferDecoder {
        private static final int[] VALUES = new int[256];

        static {
            java.util.Arrays.fill(VALUES, -1);
            String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            for (int i = 0; i < alphabet.length(); i++) {
                VALUES[alphabet.charAt(i)] = i;
            }
        }

        private int bits;
        private int count;
        private boolean ended;

        @Override
        int decode(byte[] line, int length, boolean endsLine, byte[] out) {
            int n = 0;
            for (int i = 0; i < length && !ended; i++) {
                int c = line[i] & 0xff;
                if (c == '=') {
                    ended = true; // padding: the encoded data ends here (RFC 2045 §6.8)
                    if (count == 2) {
                        out[n++] = (byte) (bits >> 4);
                    } else if (count == 3) {
                        out[n++] = (byte) (bits >> 10);
                        out[n++] = (byte) (bits >> 2);
                    }
                    break;
                }
                int value = VALUES[c];
                if (value < 0) {
                    continue; // line breaks and anything outside the alphabet are ignored (§6.8)
                }
                bits = (bits << 6) | value;
                if (++count == 4) {
                    out[n++] = (byte) (bits >> 16);
                    out[n++] = (byte) (bits >> 8);
                    out[n++] = (byte) bits;
                    bits = 0;
                    count = 0;
                }
            }
            return n;
        }
    }

    private static final class QuotedPrintable extends TransferDecoder {
        @Override
        int decode(byte[] line, int length, boolean endsLine, byte[] out) {
            int end = length;
            while (endsLine && end > 0 && (line[end - 1] == ' ' || line[end - 1] == '\t')) {
                end--; // trailing white space is transport padding (§6.7 rule 3)
            }
            boolean soft = endsLine && end > 0 && line[end - 1] == '=';
            if (soft) {
                end--;
            }
            int n = 0;
            for (int i = 0; i < end; i++) {
                byte b = line[i];
                if (b == '=' && i + 2 < end) {
                    int high = Character.digit(line[i + 1] & 0xff, 16);
                    int low = Character.digit(line[i + 2] & 0xff, 16);
                    if (high >= 0 && low >= 0) {
                        out[n++] = (byte) (high << 4 | low);
                        i += 2;
                        continue;
                    }
                }
                out[n++] = b;
            }
            if (endsLine && !soft) {
                out[n++] = '\r';
                out[n++] = '\n';
            }
            return n;
        }
    }
}
