package io.portcullis.content;

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
 * header section parsed into fields. The header section ends at the empty line, or at the first
 * line that is not a header field (which then starts the body, as in Postfix's cleanup).
 */
public final class ContentMessage {
    /** Header sections larger than this are not parsed further; the rest counts as body. */
    private static final int MAX_HEADER_SECTION = 1024 * 1024;

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
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(MAX_HEADER_SECTION);
        }
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

    /** The field name (RFC 5322 §2.2: printable ASCII but colon, then a colon), or null. */
    private static String fieldName(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            byte b = bytes[i];
            if (b == ':') {
                return i == from ? null : new String(bytes, from, i - from, StandardCharsets.US_ASCII);
            }
            if (b < 33 || b > 126) {
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

    /** The domain of the first address in From:, lower case; null when there is none. */
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
            return at < 0 ? null : address.substring(at + 1).toLowerCase(Locale.ROOT);
        } catch (AddressException e) {
            return null;
        }
    }
}
