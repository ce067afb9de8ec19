package io.portcullis.quarantine;

import io.portcullis.spool.StoredMessage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A held message shown safely: its header fields, the text of its first text part as plain text
 * (HTML reduced to its text: tags, scripts, styles and comments dropped, nothing fetched, no link
 * followed), and its other parts listed by name, type and size, never decoded or opened. Read from
 * the first {@value #READ_LIMIT} octets only, at most {@value #MAX_DEPTH} multipart levels deep;
 * the text is cut at {@value #TEXT_LIMIT} characters. The result is data for a text view (JSON or
 * a terminal), never markup.
 *
 * @param html whether there is an HTML body, which {@link #htmlSource} returns for a sandboxed view
 */
public record SafePreview(List<List<String>> headers, String text, boolean htmlOnly, List<Attachment> attachments,
                          boolean truncated, boolean html) {
    static final int READ_LIMIT = 1024 * 1024;
    static final int TEXT_LIMIT = 16 * 1024;
    static final int MAX_DEPTH = 5;
    private static final Pattern BOUNDARY = Pattern.compile("(?i)boundary\\s*=\\s*(\"([^\"]{1,200})\"|([^\\s;]{1,200}))");
    private static final Pattern CHARSET = Pattern.compile("(?i)charset\\s*=\\s*\"?([a-z0-9._:-]{1,40})");
    private static final Pattern NAME = Pattern.compile("(?i)(?:file)?name\\*?\\s*=\\s*(\"([^\"]{1,200})\"|([^\\s;]{1,200}))");
    private static final Pattern DROPPED = Pattern.compile("(?is)<(script|style|head|template)\\b.*?(</\\1\\s*>|\\z)|<!--.*?(-->|\\z)");
    private static final Pattern TAG = Pattern.compile("(?s)<[^>]{0,4000}>?");
    private static final Pattern BREAK = Pattern.compile("(?i)<(br|/p|/div|/tr|/li|/h[1-6])\\b[^>]{0,4000}>");

    /** A part that is not shown: its declared file name (or null), type and encoded size in octets. */
    public record Attachment(String name, String type, long size) {
    }

    public static SafePreview of(StoredMessage message) throws IOException {
        byte[] octets = head(message);
        String raw = new String(octets, StandardCharsets.ISO_8859_1);
        List<List<String>> headers = new ArrayList<>();
        for (String[] field : HeldFacts.fields(octets)) {
            headers.add(List.of(HeldFacts.printable(field[0], 200), HeldFacts.printable(field[1], 2000)));
        }
        Walk walk = new Walk();
        walk.part(raw, 0);
        String text = walk.plain != null ? walk.plain : walk.html != null ? htmlToText(walk.html) : "";
        boolean truncated = message.length() > READ_LIMIT || text.length() > TEXT_LIMIT;
        return new SafePreview(headers, text.substring(0, Math.min(TEXT_LIMIT, text.length())),
                walk.plain == null && walk.html != null, walk.attachments, truncated, walk.html != null);
    }

    /**
     * The decoded source of the message's first HTML body (the part the text preview reduces to
     * text), read from the same first {@value #READ_LIMIT} octets; null when there is none. This is
     * hostile markup: only for a document served with a sandboxing Content-Security-Policy into a
     * sandboxed frame, never for a page of ours.
     */
    public static String htmlSource(StoredMessage message) throws IOException {
        Walk walk = new Walk();
        walk.part(new String(head(message), StandardCharsets.ISO_8859_1), 0);
        return walk.html;
    }

    private static byte[] head(StoredMessage message) throws IOException {
        try (InputStream in = message.open()) {
            return in.readNBytes(READ_LIMIT);
        }
    }

    /** The text of an HTML document: no element survives, entities for the common characters decoded. */
    static String htmlToText(String html) {
        String text = DROPPED.matcher(html).replaceAll(" ");
        text = BREAK.matcher(text).replaceAll("\n");
        text = TAG.matcher(text).replaceAll("");
        text = text.replace("&nbsp;", " ").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"")
                .replace("&#39;", "'").replace("&amp;", "&");
        return text.replaceAll("[ \\t\\x0B\\f\\r]+", " ").replaceAll("\\n\\s*\\n+", "\n\n").strip();
    }

    /** The MIME walk: the first text/plain and text/html bodies, and every other leaf as an attachment. */
    private static final class Walk {
        String plain;
        String html;
        final List<Attachment> attachments = new ArrayList<>();

        void part(String raw, int depth) {
            int split = raw.indexOf("\r\n\r\n");
            String header = split < 0 ? raw : raw.substring(0, split);
            String body = split < 0 ? "" : raw.substring(split + 4);
            String type = "text/plain";
            String contentType = "";
            String encoding = "";
            String disposition = "";
            for (String[] field : HeldFacts.fields(header.getBytes(StandardCharsets.ISO_8859_1))) {
                switch (field[0].toLowerCase(Locale.ROOT)) {
                    case "content-type" -> {
                        contentType = field[1];
                        type = field[1].split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
                    }
                    case "content-transfer-encoding" -> encoding = field[1].strip().toLowerCase(Locale.ROOT);
                    case "content-disposition" -> disposition = field[1];
                    default -> {
                    }
                }
            }
            Matcher boundary = BOUNDARY.matcher(contentType);
            if (type.startsWith("multipart/") && boundary.find() && depth < MAX_DEPTH) {
                String marker = "--" + (boundary.group(2) != null ? boundary.group(2) : boundary.group(3));
                String[] pieces = body.split("(?m)^" + Pattern.quote(marker), -1);
                for (int i = 1; i < pieces.length; i++) {
                    String piece = pieces[i];
                    if (piece.startsWith("--")) {
                        break; // the closing delimiter
                    }
                    part(piece.startsWith("\r\n") ? piece.substring(2) : piece, depth + 1);
                }
                return;
            }
            boolean attached = disposition.toLowerCase(Locale.ROOT).startsWith("attachment");
            if (!attached && type.equals("text/plain") && plain == null) {
                plain = decode(body, encoding, contentType);
            } else if (!attached && type.equals("text/html") && html == null) {
                html = decode(body, encoding, contentType);
            } else {
                Matcher name = NAME.matcher(disposition + ";" + contentType);
                String file = name.find() ? HeldFacts.printable(name.group(2) != null ? name.group(2) : name.group(3), 200) : null;
                attachments.add(new Attachment(file, HeldFacts.printable(type, 100), body.length()));
            }
        }

        private static String decode(String body, String encoding, String contentType) {
            byte[] octets;
            if (encoding.equals("base64")) {
                try {
                    octets = Base64.getMimeDecoder().decode(body.replaceAll("[^A-Za-z0-9+/=]", ""));
                } catch (IllegalArgumentException e) {
                    octets = body.getBytes(StandardCharsets.ISO_8859_1);
                }
            } else if (encoding.equals("quoted-printable")) {
                octets = quotedPrintable(body);
            } else {
                octets = body.getBytes(StandardCharsets.ISO_8859_1);
            }
            Charset charset = StandardCharsets.UTF_8;
            Matcher m = CHARSET.matcher(contentType);
            if (m.find()) {
                try {
                    charset = Charset.forName(m.group(1));
                } catch (IllegalArgumentException e) {
                    // unknown charset: shown as UTF-8, undecodable octets replaced
                }
            }
            String text = new String(octets, charset);
            StringBuilder out = new StringBuilder(text.length());
            text.codePoints().forEach(c -> out.appendCodePoint(c == '\n' || c == '\t' || !Character.isISOControl(c) ? c : ' '));
            return out.toString().replace("\r", "");
        }

        private static byte[] quotedPrintable(String body) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(body.length());
            for (int i = 0; i < body.length(); i++) {
                char c = body.charAt(i);
                if (c == '=' && i + 2 < body.length() && body.charAt(i + 1) == '\r' && body.charAt(i + 2) == '\n') {
                    i += 2; // soft line break
                } else if (c == '=' && i + 2 < body.length() && Character.digit(body.charAt(i + 1), 16) >= 0
                        && Character.digit(body.charAt(i + 2), 16) >= 0) {
                    out.write(Character.digit(body.charAt(i + 1), 16) * 16 + Character.digit(body.charAt(i + 2), 16));
                    i += 2;
                } else {
                    out.write(c);
                }
            }
            return out.toByteArray();
        }
    }
}
