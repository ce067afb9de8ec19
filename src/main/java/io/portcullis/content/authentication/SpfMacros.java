package io.portcullis.content.authentication;

import io.portcullis.dns.DnsLookup;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** Macro expansion (RFC 7208 §7): %{letter transformers delimiters}, %%, %_ and %-. */
final class SpfMacros {
    /** What the macros refer to. {@code validatedName} is computed on demand (the p macro). */
    interface Context {
        String sender();

        String domain();

        InetAddress ip();

        String helo();

        String validatedName() throws DnsLookup.DnsException;
    }

    private SpfMacros() {
    }

    /**
     * Expands {@code spec}; {@code explanation} allows c, r and t. A domain longer than 253
     * characters loses labels from the left until it fits.
     */
    static String expand(String spec, Context context, boolean explanation) throws SpfRecord.PermError, DnsLookup.DnsException {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < spec.length(); i++) {
            char c = spec.charAt(i);
            if (c != '%') {
                out.append(c);
                continue;
            }
            if (i + 1 >= spec.length()) {
                throw new SpfRecord.PermError("a lone % in \"" + spec + "\"");
            }
            char next = spec.charAt(++i);
            switch (next) {
                case '%' -> out.append('%');
                case '_' -> out.append(' ');
                case '-' -> out.append("%20");
                case '{' -> {
                    int end = spec.indexOf('}', i);
                    if (end < 0) {
                        throw new SpfRecord.PermError("unclosed macro in \"" + spec + "\"");
                    }
                    out.append(macro(spec.substring(i + 1, end), context, explanation));
                    i = end;
                }
                default -> throw new SpfRecord.PermError("bad macro %" + next + " in \"" + spec + "\"");
            }
        }
        String result = out.toString();
        if (!explanation) {
            while (result.length() > 253 && result.indexOf('.') >= 0) {
                result = result.substring(result.indexOf('.') + 1);
            }
        }
        return result;
    }

    private static String macro(String body, SpfMacros.Context context, boolean explanation)
            throws SpfRecord.PermError, DnsLookup.DnsException {
        if (body.isEmpty()) {
            throw new SpfRecord.PermError("empty macro");
        }
        char letter = body.charAt(0);
        boolean escape = Character.isUpperCase(letter);
        String value = switch (Character.toLowerCase(letter)) {
            case 's' -> context.sender();
            case 'l' -> context.sender().substring(0, context.sender().lastIndexOf('@'));
            case 'o' -> context.sender().substring(context.sender().lastIndexOf('@') + 1);
            case 'd' -> context.domain();
            case 'i' -> dotted(context.ip());
            case 'p' -> context.validatedName();
            case 'v' -> context.ip() instanceof Inet4Address ? "in-addr" : "ip6";
            case 'h' -> context.helo();
            case 'c' -> {
                if (!explanation) {
                    throw new SpfRecord.PermError("%{c} is only allowed in explanations");
                }
                yield readable(context.ip());
            }
            case 'r' -> {
                if (!explanation) {
                    throw new SpfRecord.PermError("%{r} is only allowed in explanations");
                }
                yield "unknown";
            }
            case 't' -> {
                if (!explanation) {
                    throw new SpfRecord.PermError("%{t} is only allowed in explanations");
                }
                yield Long.toString(System.currentTimeMillis() / 1000);
            }
            default -> throw new SpfRecord.PermError("unknown macro letter " + letter);
        };
        int i = 1;
        int digitsStart = i;
        while (i < body.length() && Character.isDigit(body.charAt(i))) {
            i++;
        }
        int keep = i > digitsStart ? Integer.parseInt(body.substring(digitsStart, Math.min(i, digitsStart + 6))) : -1;
        if (keep == 0) {
            throw new SpfRecord.PermError("a macro may not keep 0 parts");
        }
        boolean reverse = i < body.length() && (body.charAt(i) == 'r' || body.charAt(i) == 'R');
        if (reverse) {
            i++;
        }
        String delimiters = body.substring(i);
        if (!delimiters.chars().allMatch(ch -> ".-+,/_=".indexOf(ch) >= 0)) {
            throw new SpfRecord.PermError("bad delimiters in %{" + body + "}");
        }
        if (keep > 0 || reverse || !delimiters.isEmpty()) {
            List<String> parts = new ArrayList<>(List.of(value.split("[" + java.util.regex.Pattern.quote(
                    delimiters.isEmpty() ? "." : delimiters) + "]", -1)));
            if (reverse) {
                Collections.reverse(parts);
            }
            if (keep > 0 && keep < parts.size()) {
                parts = parts.subList(parts.size() - keep, parts.size());
            }
            value = String.join(".", parts);
        }
        return escape ? urlEscape(value) : value;
    }

    private static final String HEX = "0123456789ABCDEF";

    /** The i macro: dotted quad, or 32 dot-separated nibbles for IPv6 (upper case, as in §7.3). */
    private static String dotted(InetAddress ip) {
        if (ip instanceof Inet6Address) {
            StringBuilder nibbles = new StringBuilder();
            for (byte b : ip.getAddress()) {
                nibbles.append(HEX.charAt((b >> 4) & 0xf)).append('.').append(HEX.charAt(b & 0xf)).append('.');
            }
            return nibbles.substring(0, nibbles.length() - 1);
        }
        return ip.getHostAddress();
    }

    /** The c macro: dotted quad, or IPv6 in its compressed form (RFC 5952). */
    static String readable(InetAddress ip) {
        if (!(ip instanceof Inet6Address)) {
            return ip.getHostAddress();
        }
        byte[] b = ip.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append(i == 0 ? "::" : ":");
                i += bestLength - 1;
                continue;
            }
            out.append(Integer.toHexString(groups[i]));
            if (i < 7) {
                out.append(':');
            }
        }
        return out.toString();
    }

    private static String urlEscape(String value) {
        StringBuilder out = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (Character.isLetterOrDigit(c) && c < 128 || "-._~".indexOf(c) >= 0) {
                out.append(c);
            } else {
                out.append('%').append(String.format(Locale.ROOT, "%02X", b & 0xff));
            }
        }
        return out.toString();
    }
}
