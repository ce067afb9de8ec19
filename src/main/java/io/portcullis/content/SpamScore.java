package io.portcullis.content;

import io.portcullis.config.ContentStep;
import io.portcullis.smtp.Replies;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A spam scanner's score against this listener's thresholds (the step's, else the check's). At
 * or above the reject score the message is refused in the session (550 5.7.1); otherwise it
 * carries X-Spam-Status, and at or above the mark score X-Spam-Flag: YES and X-Spam-Score.
 * A spam check {@linkplain ContentCheck#owns owns} every field named like a scanner's
 * ({@link #isScannerField}), so the chain removes all the sender wrote, whether or not the scan
 * ran; a later spam step's verdict replaces an earlier one's fields.
 */
final class SpamScore {
    private static final List<String> OWN_FIELDS = List.of("X-Spam-Flag", "X-Spam-Score", "X-Spam-Status");

    private SpamScore() {
    }

    /**
     * X-Spam-* of any name (SpamAssassin's and ours, in any case), and what rspamd's milter_headers
     * module writes (X-Spam, X-Spamd-*, X-Rspamd-*): filters after us act on these.
     */
    static boolean isScannerField(String name) {
        return name.equalsIgnoreCase("X-Spam") || startsWithIgnoringCase(name, "X-Spam-")
                || startsWithIgnoringCase(name, "X-Spamd-") || startsWithIgnoringCase(name, "X-Rspamd-");
    }

    private static boolean startsWithIgnoringCase(String name, String prefix) {
        return name.regionMatches(true, 0, prefix, 0, prefix.length());
    }

    static ContentVerdict verdict(double score, List<String> symbols, ContentStep step, double markDefault,
                                  double rejectDefault) {
        double reject = step.rejectScore() != null ? step.rejectScore() : rejectDefault;
        double mark = step.markScore() != null ? step.markScore() : markDefault;
        String scoreText = String.format(Locale.ROOT, "%.1f", score);
        if (score >= reject) {
            return new ContentVerdict.Reject(Replies.SPAM_REJECTED.append("(score " + scoreText + ")"), "spam");
        }
        boolean spam = score >= mark;
        List<MessageEdits.HeaderEdit> edits = new ArrayList<>();
        OWN_FIELDS.forEach(name -> edits.add(new MessageEdits.HeaderEdit.RemoveAll(name)));
        edits.add(new MessageEdits.HeaderEdit.Prepend(HeaderField.of("X-Spam-Status", (spam ? "Yes" : "No")
                + ", score=" + scoreText + " required=" + String.format(Locale.ROOT, "%.1f", mark)
                + " tests=" + (symbols.isEmpty() ? "none" : String.join(",", symbols)))));
        if (spam) {
            edits.add(new MessageEdits.HeaderEdit.Prepend(HeaderField.of("X-Spam-Flag", "YES")));
            edits.add(new MessageEdits.HeaderEdit.Prepend(HeaderField.of("X-Spam-Score", scoreText)));
        }
        return new ContentVerdict.Accept(new MessageEdits(edits, null));
    }
}
