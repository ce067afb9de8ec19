package io.portcullis.content;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Writes a message with edits applied: the edited header fields, then the old or the new body. */
final class MessageRewriter {
    private MessageRewriter() {
    }

    static void write(ContentMessage message, MessageEdits edits, OutputStream out) throws IOException {
        write(message, edits, Set.of(), out);
    }

    /**
     * Writes with edits applied, and without the fields of {@code message} in {@code removed}
     * (the very instances: a field an edit adds is never among them, however alike).
     */
    static void write(ContentMessage message, MessageEdits edits, Set<HeaderField> removed, OutputStream out)
            throws IOException {
        if (edits.wholeMessage() != null) {
            if (!removed.isEmpty()) {
                throw new IllegalArgumentException("a whole new message has no fields of the old one to remove");
            }
            edits.wholeMessage().writeTo(out);
            return;
        }
        List<HeaderField> fields = apply(message.headers(), edits.headers());
        if (!removed.isEmpty()) {
            fields.removeIf(removed::contains);
        }
        for (HeaderField field : fields) {
            out.write(field.raw());
        }
        if (edits.body() != null) {
            edits.body().writeTo(out);
            return;
        }
        try (InputStream rest = message.openAfterHeaders()) {
            rest.transferTo(out);
        }
    }

    static List<HeaderField> apply(List<HeaderField> original, List<MessageEdits.HeaderEdit> edits) {
        List<HeaderField> fields = new ArrayList<>(original);
        int prepended = 0;
        for (MessageEdits.HeaderEdit edit : edits) {
            switch (edit) {
                case MessageEdits.HeaderEdit.Prepend p -> fields.add(prepended++, p.field());
                case MessageEdits.HeaderEdit.Append a -> fields.add(a.field());
                case MessageEdits.HeaderEdit.Insert i -> fields.add(Math.min(Math.max(i.index(), 0), fields.size()), i.field());
                case MessageEdits.HeaderEdit.RemoveAll r -> fields.removeIf(f -> f.is(r.name()));
                case MessageEdits.HeaderEdit.Change c -> change(fields, c);
            }
        }
        return fields;
    }

    private static void change(List<HeaderField> fields, MessageEdits.HeaderEdit.Change change) {
        int seen = 0;
        for (int i = 0; i < fields.size(); i++) {
            if (fields.get(i).is(change.name()) && ++seen == change.occurrence()) {
                if (change.replacement() == null) {
                    fields.remove(i);
                } else {
                    fields.set(i, change.replacement());
                }
                return;
            }
        }
        if (change.replacement() != null) {
            fields.add(change.replacement()); // milter semantics: changing a field that is not there adds it
        }
    }
}
