package io.portcullis.content;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;

/**
 * Changes a check asks for: header edits applied in order, then optionally a new body, and changes
 * to the envelope. Milter actions (add, insert, change, delete a header; replace the body; change
 * the sender; add or delete recipients) map onto these one to one.
 *
 * @param envelope null when the envelope stays as it is
 */
public record MessageEdits(List<HeaderEdit> headers, Body body, Body wholeMessage, EnvelopeEdits envelope) {
    public static final MessageEdits NONE = new MessageEdits(List.of(), null);

    public MessageEdits {
        headers = List.copyOf(headers);
        if (wholeMessage != null && (!headers.isEmpty() || body != null)) {
            throw new IllegalArgumentException("a whole new message replaces header edits and body alike");
        }
    }

    public MessageEdits(List<HeaderEdit> headers, Body body) {
        this(headers, body, null, null);
    }

    /**
     * A new reverse-path (null: unchanged; empty: the null sender) and recipients added and
     * removed, as bare addresses.
     */
    public record EnvelopeEdits(String sender, List<String> addRecipients, List<String> removeRecipients) {
        public EnvelopeEdits {
            addRecipients = List.copyOf(addRecipients);
            removeRecipients = List.copyOf(removeRecipients);
        }
    }

    /** True when the content changes (the envelope alone needs no rewrite of the file). */
    public boolean changesContent() {
        return !headers.isEmpty() || body != null || wholeMessage != null;
    }

    /**
     * True when the edits may change how the body is built: a new body or message, or a
     * Content-* header field added, changed or removed (RFC 2045 §9: every MIME field is Content-*).
     */
    public boolean touchesStructure() {
        if (body != null || wholeMessage != null) {
            return true;
        }
        for (HeaderEdit edit : headers) {
            String name = switch (edit) {
                case HeaderEdit.Prepend p -> p.field().name();
                case HeaderEdit.Append a -> a.field().name();
                case HeaderEdit.Insert i -> i.field().name();
                case HeaderEdit.RemoveAll r -> r.name();
                case HeaderEdit.Change c -> c.name();
            };
            if (name.regionMatches(true, 0, "Content-", 0, 8)) {
                return true;
            }
        }
        return false;
    }

    /** The message rewritten from its first octet (a MIME restructuring: header fields and body together). */
    public static MessageEdits replaceWhole(Body wholeMessage) {
        return new MessageEdits(List.of(), null, wholeMessage, null);
    }

    public static MessageEdits prepend(HeaderField... fields) {
        return new MessageEdits(List.of(fields).stream().<HeaderEdit>map(HeaderEdit.Prepend::new).toList(), null);
    }

    public boolean isEmpty() {
        return !changesContent() && envelope == null;
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
