package io.portcullis.content;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;

/**
 * DKIM canonicalization (RFC 6376 §3.4), relaxed and simple, for signing and verifying. Header
 * fields are handled as ISO-8859-1 text, so 8-bit octets pass through unchanged.
 */
public final class DkimCanonical {
    private DkimCanonical() {
    }

    /** Relaxed header canonicalization (§3.4.2), with the CRLF at its end. */
    public static String relaxedHeader(HeaderField field) {
        String raw = new String(field.raw(), StandardCharsets.ISO_8859_1);
        int colon = raw.indexOf(':');
        return relaxedHeader(raw.substring(0, colon), raw.substring(colon + 1)) + "\r\n";
    }

    /** "name:value" relaxed, without a line end (the form the DKIM-Signature field is hashed in). */
    public static String relaxedHeader(String name, String value) {
        String unfolded = value.replace("\r\n", "").replace("\n", "");
        return name.strip().toLowerCase(Locale.ROOT) + ":" + unfolded.replaceAll("[ \t]+", " ").strip();
    }

    /** Simple header canonicalization (§3.4.1): the field exactly as it is. */
    public static String simpleHeader(HeaderField field) {
        return new String(field.raw(), StandardCharsets.ISO_8859_1);
    }

    /**
     * The hash of the canonicalized body. {@code afterHeaders} starts with the empty line that
     * separates header and body (absent when the message has no body). {@code limit} is the l= tag
     * of a verified signature, or -1.
     */
    public static byte[] bodyHash(InputStream afterHeaders, boolean relaxed, String hashAlgorithm, long limit) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance(hashAlgorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        BoundedDigest out = new BoundedDigest(digest, limit);
        byte[] first = readLine(afterHeaders);
        if (first != null && !isBlank(first, false)) {
            emitLine(first, relaxed, out, 0); // no separator: what follows the fields is body already
        }
        int pendingEmpty = 0;
        byte[] line;
        while ((line = readLine(afterHeaders)) != null) {
            if (isBlank(line, relaxed)) {
                pendingEmpty++;
            } else {
                emitLine(line, relaxed, out, pendingEmpty);
                pendingEmpty = 0;
            }
        }
        if (out.written == 0 && !relaxed) {
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII)); // §3.4.3: an empty body is one CRLF in simple
        }
        return digest.digest();
    }

    private static void emitLine(byte[] line, boolean relaxed, BoundedDigest out, int emptyLinesBefore) {
        for (int i = 0; i < emptyLinesBefore; i++) {
            out.write(new byte[] {'\r', '\n'});
        }
        int end = contentEnd(line);
        if (!relaxed) {
            out.write(java.util.Arrays.copyOf(line, end));
            out.write(new byte[] {'\r', '\n'});
            return;
        }
        ByteArrayOutputStream canonical = new ByteArrayOutputStream(end + 2);
        boolean inWhitespace = false;
        for (int i = 0; i < end; i++) {
            byte b = line[i];
            if (b == ' ' || b == '\t') {
                inWhitespace = true;
            } else {
                if (inWhitespace) {
                    canonical.write(' ');
                    inWhitespace = false;
                }
                canonical.write(b);
            }
        }
        canonical.write('\r');
        canonical.write('\n');
        out.write(canonical.toByteArray());
    }

    /** The length of a line without its CRLF (or LF). */
    private static int contentEnd(byte[] line) {
        int end = line.length;
        if (end > 0 && line[end - 1] == '\n') {
            end--;
        }
        if (end > 0 && line[end - 1] == '\r') {
            end--;
        }
        return end;
    }

    /** Empty, or in relaxed mode nothing but whitespace (which relaxed canonicalization removes). */
    private static boolean isBlank(byte[] line, boolean relaxed) {
        int end = contentEnd(line);
        for (int i = 0; i < end; i++) {
            if (!relaxed || (line[i] != ' ' && line[i] != '\t')) {
                return false;
            }
        }
        return true;
    }

    private static byte[] readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        int b;
        while ((b = in.read()) != -1) {
            line.write(b);
            if (b == '\n') {
                break;
            }
        }
        return line.size() == 0 ? null : line.toByteArray();
    }

    /** Feeds a digest, stopping after {@code limit} octets when a limit is set. */
    private static final class BoundedDigest {
        private final MessageDigest digest;
        private final long limit;
        private long written;

        BoundedDigest(MessageDigest digest, long limit) {
            this.digest = digest;
            this.limit = limit;
        }

        void write(byte[] bytes) {
            int length = bytes.length;
            if (limit >= 0) {
                length = (int) Math.max(0, Math.min(length, limit - written));
            }
            digest.update(bytes, 0, length);
            written += bytes.length;
        }
    }
}
