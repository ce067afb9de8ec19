package io.portcullis.content;

import io.portcullis.config.MimeLimits;
import jakarta.mail.internet.ContentType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One streaming pass over a message's MIME structure (RFC 2045, RFC 2046 §5), within
 * {@link MimeLimits}: the entities are counted and described to a {@link Visitor} as they go by,
 * and nothing is kept per part, so memory stays the same whatever the input. The scan stops at
 * the first entity past a limit; a limit's cost is what was read up to there.
 *
 * <p>What readers could take in two ways is refused rather than guessed: two different
 * Content-Type (or -Transfer-Encoding, -Disposition) fields in one header section; a parameter
 * given twice in one of them with different values ({@link MimeParameters}); a nested
 * boundary that an enclosing one is a prefix of, or the other way round (RFC 2046 §5.1.2 forbids
 * it: a reader that matches prefixes would split the message elsewhere); parts after a closing
 * delimiter; a composite type or a file name that cannot be parsed. A missing closing delimiter is
 * forgiven (the part ends where its parent does), as readers do. Base64 or quoted-printable around
 * a multipart or message/rfc822 (forbidden by RFC 2045 §6.4, decoded by readers anyway) is decoded
 * as it streams and looked into. A part's header field may have white space before its colon
 * (RFC 5322 §4.5.3), as at the top level. A visitor that asks for it is told about files encoded
 * inside text leaves ({@link EmbeddedFileFinder}) as entities of their own.
 */
final class MimeScanner {
    /**
     * One entity: the message (depth 0), a body part or an encapsulated message.
     *
     * @param fileNames the Content-Disposition filename and the Content-Type name, decoded (RFC 2231, RFC 2047),
     *                  and the same parameters where some readers look for them too (Content-Type filename,
     *                  Content-Disposition name); for a file encoded inside text (see {@link EmbeddedFileFinder}),
     *                  the name on its begin line
     */
    record Entity(int depth, String baseType, ContentType type, List<String> fileNames) {
    }

    /** Where the decoded octets of one leaf go, in order; {@link #end()} after the last. */
    interface TextSink {
        void write(byte[] bytes, int length);

        void end();
    }

    /** Told about every entity before its body. */
    interface Visitor {
        /** A finding stops the scan; null goes on. */
        MimeFinding entity(Entity entity);

        /** The sink for this leaf's decoded body, or null when it is not wanted. */
        TextSink text(Entity entity);

        /**
         * True to have text leaves (and leaves with a uuencode transfer encoding) looked into for
         * files encoded inside them (uuencode, yEnc, BinHex): each is told to {@link #entity} as an
         * application/octet-stream entity one level below the leaf, with the name from its begin line.
         */
        default boolean embeddedFiles() {
            return false;
        }
    }

    /** Only the limits and the structure. */
    static final Visitor STRUCTURE = new Visitor() {
        @Override
        public MimeFinding entity(Entity entity) {
            return null;
        }

        @Override
        public TextSink text(Entity entity) {
            return null;
        }
    };

    private static final int MAX_FIELD_VALUE = 32 * 1024;
    private static final int LINES_PER_CLOCK_LOOK = 256;
    private static final ContentType EMBEDDED_FILE = new ContentType("application", "octet-stream", null);

    /** Ends the scan from anywhere in the recursion with what was found. */
    static final class Stop extends Exception {
        final MimeFinding finding;

        Stop(MimeFinding finding) {
            super(null, null, false, false);
            this.finding = finding;
        }
    }

    /** Lines and the delimiters open in them (a decoded body has its own); the outermost is the message's. */
    private record Source(MimeLines lines, List<byte[]> delimiters, boolean outermost) {
        Source(MimeLines lines) {
            this(lines, new ArrayList<>(), false);
        }
    }

    private final MimeLimits limits;
    private final Deadline deadline;
    private final Visitor visitor;
    private final long sizeBound;
    private byte[] decoded = new byte[256];
    private int parts;
    private long decodedSize;
    private int untilClockLook = LINES_PER_CLOCK_LOOK;
    private EmbeddedFileFinder embedded;

    private MimeScanner(MimeLimits limits, long sizeBound, Deadline deadline, Visitor visitor) {
        this.limits = limits;
        this.sizeBound = sizeBound;
        this.deadline = deadline;
        this.visitor = visitor;
    }

    /** The first finding, or null when the message keeps the limits and the visitor found nothing. */
    static MimeFinding scan(ContentMessage message, MimeLimits limits, Deadline deadline, Visitor visitor) throws IOException {
        try (InputStream body = message.openAfterHeaders()) {
            return scan(message.headers(), body, message.size(), limits, deadline, visitor);
        }
    }

    /**
     * The same for a message whose header section is parsed already, from what follows it;
     * {@code sizeBound} is at least the size of that rest (a message that is one leaf is then
     * done with once its fields are read, when its size cannot pass max-decoded-size).
     */
    static MimeFinding scan(List<HeaderField> headers, InputStream afterHeaders, long sizeBound, MimeLimits limits,
                        Deadline deadline, Visitor visitor) throws IOException {
        MimeScanner scanner = new MimeScanner(limits, sizeBound, deadline, visitor);
        try {
            Source source = new Source(new MimeLines(afterHeaders), new ArrayList<>(), true);
            if (source.lines().next() && !source.lines().isEmpty()) {
                source.lines().pushBack(); // no empty line: the body starts right after the fields
            }
            MimeFields root = new MimeFields();
            for (HeaderField field : headers) {
                root.add(field.name(), field.value());
            }
            scanner.entity(source, root, 0, false);
            return null;
        } catch (Stop stop) {
            return stop.finding;
        }
    }

    private void entity(Source source, MimeFields fields, int depth, boolean inDigest) throws IOException, Stop {
        if (fields.ambiguity() != null) {
            throw new Stop(new MimeFinding.Ambiguous(fields.ambiguity()));
        }
        if (++parts > limits.maxParts()) {
            throw new Stop(new MimeFinding.TooManyParts());
        }
        if (depth > limits.maxDepth()) {
            throw new Stop(new MimeFinding.TooDeep());
        }
        deadline.check();
        Entity entity = fields.describe(depth, inDigest);
        MimeFinding finding = visitor.entity(entity);
        if (finding != null) {
            throw new Stop(finding);
        }
        boolean multipart = entity.baseType().startsWith("multipart/");
        boolean message = entity.baseType().equals("message/rfc822") || entity.baseType().equals("message/global");
        if (!multipart && !message) {
            leaf(source, entity, fields.encoding());
        } else if (TransferDecoder.isEncoding(fields.encoding())) {
            DecodedBody body = new DecodedBody(source, TransferDecoder.of(fields.encoding()));
            composite(new Source(new MimeLines(body)), entity, multipart);
            body.drain();
        } else {
            composite(source, entity, multipart);
        }
    }

    private void composite(Source source, Entity entity, boolean multipart) throws IOException, Stop {
        if (multipart) {
            multipart(source, entity);
        } else {
            entity(source, fields(source), entity.depth() + 1, false);
        }
    }

    private void multipart(Source source, Entity entity) throws IOException, Stop {
        String boundary = entity.type().getParameter("boundary");
        if (boundary == null || boundary.isEmpty()) {
            throw new Stop(new MimeFinding.Malformed("multipart without a boundary"));
        }
        byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.UTF_8);
        for (byte[] open : source.delimiters()) {
            if (startsWith(open, open.length, delimiter) || startsWith(delimiter, delimiter.length, open)) {
                throw new Stop(new MimeFinding.Ambiguous("a nested boundary and an enclosing one start alike"));
            }
        }
        source.delimiters().add(delimiter);
        int own = source.delimiters().size() - 1;
        boolean digest = entity.baseType().equals("multipart/digest");
        int found = skipToDelimiter(source); // the preamble
        if (found != next(own)) {
            throw new Stop(new MimeFinding.Malformed("multipart without its first boundary"));
        }
        while (found == next(own)) {
            entity(source, fields(source), entity.depth() + 1, digest);
            found = skipToDelimiter(source);
        }
        if (found == close(own)) {
            int after = skipToDelimiter(source); // the epilogue
            if (after >= 0 && after / 2 == own) {
                throw new Stop(new MimeFinding.Ambiguous("parts after the closing boundary"));
            }
        }
        source.delimiters().remove(own);
    }

    /**
     * Reads up to the next delimiter line: one of the innermost multipart is consumed, one of an
     * enclosing multipart is left for it. Returns {@link #next} or {@link #close} of its level, or -1
     * at the end of the input.
     */
    private int skipToDelimiter(Source source) throws IOException, Stop {
        while (source.lines().next()) {
            tick();
            int found = delimiter(source);
            if (found >= 0) {
                if (found / 2 != source.delimiters().size() - 1) {
                    source.lines().pushBack();
                }
                return found;
            }
        }
        return -1;
    }

    private void leaf(Source source, Entity entity, String encoding) throws IOException, Stop {
        TextSink sink = visitor.text(entity);
        EmbeddedFileFinder finder = null;
        if (visitor.embeddedFiles() && (entity.baseType().startsWith("text/") || isUuencoding(encoding))) {
            finder = embedded == null ? embedded = new EmbeddedFileFinder() : embedded;
            finder.reset();
        }
        if (sink == null && finder == null && source.outermost() && source.delimiters().isEmpty()
                && decodedSize + sizeBound <= limits.maxDecodedSize()) {
            return; // the message is this one leaf, and all of it cannot pass the limit: nothing to read
        }
        boolean transferEncoded = TransferDecoder.isEncoding(encoding);
        boolean decodedText = finder != null && transferEncoded; // else the finder reads the lines as written
        TransferDecoder decoder = sink != null || decodedText ? TransferDecoder.of(encoding) : null;
        boolean base64 = encoding != null && encoding.strip().equalsIgnoreCase("base64");
        MimeLines lines = source.lines();
        while (lines.next()) {
            tick();
            if (delimiter(source) >= 0) {
                lines.pushBack();
                break;
            }
            if (decoder != null) {
                if (decoded.length < lines.length() + 2) {
                    decoded = new byte[Math.max(lines.length() + 2, 2 * decoded.length)];
                }
                int n = decoder.decode(lines.bytes(), lines.length(), lines.endsLine(), decoded);
                if (sink != null) {
                    sink.write(decoded, n);
                }
                if (decodedText) {
                    finder.write(decoded, n);
                }
                count(n);
            } else {
                count(base64 ? lines.length() * 3L / 4 : lines.rawLength()); // decoded size, give or take padding
            }
            if (finder != null) {
                if (!decodedText && lines.startsLine()) {
                    finder.line(lines.bytes(), lines.length(), lines.endsLine());
                }
                if (finder.found()) {
                    embeddedFiles(entity, finder);
                }
            }
        }
        if (finder != null) {
            finder.end();
            if (finder.found()) {
                embeddedFiles(entity, finder);
            }
        }
        if (sink != null) {
            sink.end();
        }
    }

    /** The uuencode transfer encodings some readers decode (never registered, but JavaMail and Outlook Express know them). */
    private static boolean isUuencoding(String encoding) {
        if (encoding == null) {
            return false;
        }
        return switch (encoding.strip().toLowerCase(Locale.ROOT)) {
            case "uuencode", "x-uuencode", "x-uue" -> true;
            default -> false;
        };
    }

    /** Tells the visitor about the files found encoded inside a text leaf. */
    private void embeddedFiles(Entity text, EmbeddedFileFinder finder) throws Stop {
        if (finder.overlong()) {
            throw new Stop(new MimeFinding.Malformed("the begin line of a file encoded in text is longer than "
                    + EmbeddedFileFinder.MAX_LINE + " octets"));
        }
        for (String name : finder.names()) {
            MimeFinding finding = visitor.entity(new Entity(text.depth() + 1, "application/octet-stream", EMBEDDED_FILE,
                    List.of(name)));
            if (finding != null) {
                throw new Stop(finding);
            }
        }
        finder.clear();
    }

    /** The fields of a body part or encapsulated message, up to the empty line (or what cannot be a field). */
    private MimeFields fields(Source source) throws IOException, Stop {
        MimeFields fields = new MimeFields();
        MimeLines lines = source.lines();
        String name = null;
        StringBuilder value = null;
        while (lines.next()) {
            tick();
            if (lines.isEmpty()) {
                break;
            }
            if (delimiter(source) >= 0) {
                lines.pushBack(); // a part with no body
                break;
            }
            byte[] bytes = lines.bytes();
            boolean continued = !lines.startsLine() || (lines.length() > 0 && (bytes[0] == ' ' || bytes[0] == '\t'));
            if (continued && name != null) {
                if (value != null) {
                    append(value, bytes, 0, lines.length());
                }
                continue;
            }
            int nameEnd = MimeFields.fieldNameEnd(bytes, lines.length());
            if (continued || nameEnd < 0) {
                lines.pushBack(); // not a header field: the body starts here
                break;
            }
            if (value != null) {
                fields.add(name, value.toString());
            }
            int colon = nameEnd;
            while (bytes[colon] != ':') {
                colon++; // white space between the name and the colon
            }
            name = new String(bytes, 0, nameEnd, StandardCharsets.US_ASCII);
            value = MimeFields.isKept(name) ? append(new StringBuilder(), bytes, colon + 1, lines.length()) : null;
        }
        if (value != null) {
            fields.add(name, value.toString());
        }
        return fields;
    }

    private static StringBuilder append(StringBuilder value, byte[] bytes, int from, int to) throws Stop {
        if (value.length() + to - from > MAX_FIELD_VALUE) {
            throw new Stop(new MimeFinding.Malformed("a MIME header field longer than " + MAX_FIELD_VALUE + " octets"));
        }
        return value.append(new String(bytes, from, to - from, StandardCharsets.UTF_8));
    }

    /** Which open delimiter the current line is: level * 2, plus one for a closing one; -1 for none. */
    private static int delimiter(Source source) {
        MimeLines lines = source.lines();
        byte[] line = lines.bytes();
        int length = lines.length();
        if (!lines.startsLine() || length < 2 || line[0] != '-' || line[1] != '-') {
            return -1;
        }
        List<byte[]> open = source.delimiters();
        for (int level = open.size() - 1; level >= 0; level--) {
            byte[] delimiter = open.get(level);
            if (!startsWith(line, length, delimiter)) {
                continue;
            }
            int rest = delimiter.length;
            boolean closing = rest + 1 < length && line[rest] == '-' && line[rest + 1] == '-';
            if (closing) {
                rest += 2;
            }
            while (rest < length && (line[rest] == ' ' || line[rest] == '\t')) {
                rest++; // transport padding (RFC 2046 §5.1.1)
            }
            if (rest == length) {
                return level * 2 + (closing ? 1 : 0);
            }
        }
        return -1;
    }

    private static int next(int level) {
        return level * 2;
    }

    private static int close(int level) {
        return level * 2 + 1;
    }

    private static boolean startsWith(byte[] bytes, int length, byte[] prefix) {
        return length >= prefix.length && java.util.Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
    }

    private void count(long octets) throws Stop {
        decodedSize += octets;
        if (decodedSize > limits.maxDecodedSize()) {
            throw new Stop(new MimeFinding.DecodedTooLarge());
        }
    }

    private void tick() throws Deadline.Exceeded {
        if (--untilClockLook == 0) {
            untilClockLook = LINES_PER_CLOCK_LOOK;
            deadline.check();
        }
    }

    /** The decoded body of an encoded composite, read from its lines up to the delimiter that ends it. */
    private final class DecodedBody extends InputStream {
        private final Source outer;
        private final TransferDecoder decoder;
        private final byte[] buffer = new byte[MimeLines.MAX_PIECE + 2];
        private int position;
        private int limit;
        private boolean done;

        DecodedBody(Source outer, TransferDecoder decoder) {
            this.outer = outer;
            this.decoder = decoder;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] into, int offset, int length) throws IOException {
            while (position == limit) {
                if (done || !outer.lines().next()) {
                    done = true;
                    return -1;
                }
                if (delimiter(outer) >= 0) {
                    outer.lines().pushBack();
                    done = true;
                    return -1;
                }
                tick();
                MimeLines lines = outer.lines();
                limit = decoder.decode(lines.bytes(), lines.length(), lines.endsLine(), buffer);
                position = 0;
            }
            int n = Math.min(length, limit - position);
            System.arraycopy(buffer, position, into, offset, n);
            position += n;
            return n;
        }

        /** Reads past what the nested structure left (an epilogue), to the delimiter that ends the part. */
        void drain() throws IOException {
            byte[] skip = new byte[8192];
            while (read(skip, 0, skip.length) >= 0) {
                // nothing to look at
            }
        }
    }
}
