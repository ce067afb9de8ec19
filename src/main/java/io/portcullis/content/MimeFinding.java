package io.portcullis.content;

import io.portcullis.smtp.Replies;

/** What a MIME scan ({@link MimeScanner}) or its visitor found that refuses the message, and the reply for it. */
sealed interface MimeFinding {
    record TooManyParts() implements MimeFinding {
    }

    record TooDeep() implements MimeFinding {
    }

    record DecodedTooLarge() implements MimeFinding {
    }

    record Malformed(String why) implements MimeFinding {
    }

    record Ambiguous(String why) implements MimeFinding {
    }

    record Blocked(String what) implements MimeFinding {
    }

    /** A file name with a control character in it (after decoding), which readers cut or show apart. */
    record BadFileName(String name) implements MimeFinding {
    }

    /** The reply for what a MIME scan found. */
    static ContentVerdict.Reject refusal(MimeFinding finding) {
        return switch (finding) {
            case TooManyParts tooMany -> new ContentVerdict.Reject(Replies.MIME_TOO_MANY_PARTS, "mime-parts");
            case TooDeep tooDeep -> new ContentVerdict.Reject(Replies.NESTING_TOO_DEEP, "mime-nesting");
            case DecodedTooLarge tooLarge -> new ContentVerdict.Reject(Replies.MIME_DECODED_TOO_BIG,
                    "mime-decoded-size");
            case Malformed malformed -> new ContentVerdict.Reject(Replies.MIME_MALFORMED, "mime-malformed");
            case Ambiguous ambiguous -> new ContentVerdict.Reject(Replies.MIME_AMBIGUOUS, "mime-ambiguous");
            case Blocked blocked -> new ContentVerdict.Reject(
                    Replies.ATTACHMENT_BLOCKED.append(RulesCheck.printable(blocked.what())), "attachment");
            case BadFileName badName -> new ContentVerdict.Reject(Replies.ATTACHMENT_NAME_CONTROL,
                    "attachment-name");
        };
    }
}
