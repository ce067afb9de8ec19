package io.portcullis.content;

import io.portcullis.smtp.DomainName;
import io.portcullis.spool.Envelope;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;

/**
 * The message a check looks at: the envelope as it will be committed and the spool file, with its
 * whole header section parsed into fields (a field name may be followed by white space before its
 * colon, the obsolete form of RFC 5322 §4.5). The header section ends at the empty line, or at the
 * first line that is not a header field (which then starts the body, as in Postfix's cleanup; the
 * session refuses such messages, so over SMTP the two ends are the same).
 */
public final class ContentMessage {
    /**
     * The session bounds the header section by the listener's {@code max-header-size} (at most
     * 16 MB); a larger one can only come from elsewhere and fails the check rather than being cut.
     */
    private static final int MAX_HEADER_SECTION = 32 * 1024 * 1024;

    private final Envelope envelope;
    private final Path file;
    private final long size;
    private final List<HeaderField> headers;
    private final long headerEnd;

    private ContentMessage(Envelope envelope, Path file, long size, List<HeaderField> headers, long headerEnd) {
        this.envelope = envelope;
        this.file = file;
        this.size = size;
        this.headers = List.copyOf(headers);
        this.headerEnd = headerEnd;
    }

    public static ContentMessage read(Envelope envelope, Path file) throws IOException {
        byte[] head = readHeaderSection(file);
        List<HeaderField> headers = new ArrayList<>();
        int offset = 0;
        int fieldStart = -1;
        String name = null;
        while (offset < head.length) {
            int end = offset;
            while (end < head.length && head[end] != '\n') {
                end++;
            }
            int next = Math.min(end + 1, head.length);
            boolean continuation = head[offset] == ' ' || head[offset] == '\t';
            if (continuation && name != null) {
                offset = next;
                continue;
            }
            if (name != null) {
                headers.add(new HeaderField(name, Arrays.copyOfRange(head, fieldStart, offset)));
                name = null;
            }
            String fieldName = fieldName(head, offset, next);
            if (fieldName == null) {
                break; // the empty line, or a line that cannot be a header field: the body starts here
            }
            name = fieldName;
            fieldStart = offset;
            offset = next;
        }
        if (name != null) {
            headers.add(new HeaderField(name, Arrays.copyOfRange(head, fieldStart, offset)));
        }
        return new ContentMessage(envelope, file, Files.size(file), headers, offset);
    }

    /**
     * The octets from the start of the file up to and including the empty line (or all of a file
     * without one): all of the header section, however long, and as little of the body as a read
     * buffer holds.
     */
    private static byte[] readHeaderSection(Path file) throws IOException {
        byte[] head = new byte[8192];
        int length = 0;
        int lineStart = 0;
        try (InputStream in = Files.newInputStream(file)) {
            while (true) {
                if (length == head.length) {
                    if (length >= MAX_HEADER_SECTION) {
                        throw new IOException("header section larger than " + MAX_HEADER_SECTION + " octets");
                    }
                    head = Arrays.copyOf(head, Math.min(length * 2, MAX_HEADER_SECTION));
                }
                int n = in.read(head, length, head.length - length);
                if (n < 0) {
                    return Arrays.copyOf(head, length);
                }
                for (int i = length; i < length + n; i++) {
                    if (head[i] == '\n') {
                        if (i == lineStart || (i == lineStart + 1 && head[lineStart] == '\r')) {
                            return Arrays.copyOf(head, length + n); // the empty line: the body follows
                        }
                        lineStart = i + 1;
                    }
                }
                length += n;
            }
        }
    }

    /**
     * The field name (RFC 5322 §2.2: printable ASCII but colon, then a colon, with white space
     * before the colon allowed as in §4.5), or null.
     */
    private static String fieldName(byte[] bytes, int from, int to) {
        int nameEnd = -1;
        for (int i = from; i < to; i++) {
            byte b = bytes[i];
            if (b == ':') {
                int end = nameEnd < 0 ? i : nameEnd;
                return end == from ? null : new String(bytes, from, end - from, StandardCharsets.US_ASCII);
            }
            if (b == ' ' || b == '\t') {
                if (i == from) {
                    return null;
                }
                if (nameEnd < 0) {
                    nameEnd = i;
                }
            } else if (b < 33 || b > 126 || nameEnd >= 0) {
                return null;
            }
        }
        return null;
    }

    /** The same message under a changed envelope (a milter added or removed recipients). */
    ContentMessage withEnvelope(Envelope changed) {
        return new ContentMessage(changed, file, size, headers, headerEnd);
    }

    public Envelope envelope() {
        return envelope;
    }

    /** The whole message as stored, from the first octet. */
    public InputStream open() throws IOException {
        return new BufferedInputStream(Files.newInputStream(file));
    }

    /** Everything after the header fields: the empty line (if any) and the body. */
    public InputStream openAfterHeaders() throws IOException {
        InputStream in = open();
        in.skipNBytes(headerEnd);
        return in;
    }

    public Path file() {
        return file;
    }

    public long size() {
        return size;
    }

    public List<HeaderField> headers() {
        return headers;
    }

    /** The first field of that name, or null. */
    public HeaderField header(String name) {
        return headers.stream().filter(h -> h.is(name)).findFirst().orElse(null);
    }

    /** The domain of the first address in From:, as IDNA A-labels ({@link DomainName}); null when there is none. */
    public String fromDomain() {
        HeaderField from = header("From");
        if (from == null) {
            return null;
        }
        try {
            InternetAddress[] addresses = InternetAddress.parseHeader(from.value(), false);
            if (addresses.length == 0 || addresses[0].getAddress() == null) {
                return null;
            }
            String address = addresses[0].getAddress();
            int at = address.lastIndexOf('@');
            if (at < 0) {
                return null;
            }
            String domain = address.substring(at + 1);
            String canonical = DomainName.canonical(domain);
            return canonical != null ? canonical : domain.toLowerCase(Locale.ROOT);
        } catch (AddressException e) {
            return null;
        }
    }
}
