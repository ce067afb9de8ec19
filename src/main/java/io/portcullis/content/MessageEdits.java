package io.portcullis.content;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/**
 * Changes a check asks for: header edits applied in order, then optionally a new body. Milter
 * actions (RFC-less but long-standing: add, insert, change, delete a header; replace the body)
 * map onto these one to one.
 */
public record MessageEdits(List<HeaderEdit> headers, Body body, Body wholeMessage) {
    public static final MessageEdits NONE = new MessageEdits(List.of(), null);

    public MessageEdits {
        headers = List.copyOf(headers);
        if (wholeMessage != null && (!headers.isEmpty() || body != null)) {
            throw new IllegalArgumentException("a whole new message replaces header edits and body alike");
        }
    }

    public MessageEdits(List<HeaderEdit> headers, Body body) {
        this(headers, body, null);
    }

    /** The message rewritten from its first octet (a MIME restructuring: header fields and body together). */
    public static MessageEdits replaceWhole(Body wholeMessage) {
        return new MessageEdits(List.of(), null, wholeMessage);
    }

    public static MessageEdits prepend(HeaderField... fields) {
        return new MessageEdits(List.of(fields).stream().<HeaderEdit>map(HeaderEdit.Prepend::new).toList(), null);
    }

    public boolean isEmpty() {
        return headers.isEmpty() && body == null && wholeMessage == null;
    }

    /** A new body (everything after the header section, starting with the empty line that separates them), or a whole new message. */
    @FunctionalInterface
    public interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    public sealed interface HeaderEdit {
        /** A field at the very top, above our Received header (where trace and result fields go). */
        record Prepend(HeaderField field) implements HeaderEdit {
        }

        /** A field after the last one. */
        record Append(HeaderField field) implements HeaderEdit {
        }

        /** A field at a position, 0 being the top; past the end means appended. */
        record Insert(int index, HeaderField field) implements HeaderEdit {
        }

        /** Every field of that name removed. */
        record RemoveAll(String name) implements HeaderEdit {
        }

        /** The n-th (from 1) field of that name replaced, or removed when the replacement is null. */
        record Change(String name, int occurrence, HeaderField replacement) implements HeaderEdit {
        }
    }
}
