package io.portcullis.content;

import com.google.re2j.Pattern;
import io.portcullis.config.CheckConfig;
import io.portcullis.config.ContentStep;
import io.portcullis.smtp.Replies;
import io.portcullis.smtp.Reply;
import io.portcullis.config.MimeLimits;
import java.io.IOException;
import java.util.List;
import java.util.Locale;

/**
 * Built-in rules. Header checks match each unfolded field ("Name: value"); body checks match the
 * lines of the decoded text parts (so base64 or quoted-printable cannot hide a phrase), up to
 * {@code max-body-scan} characters. Patterns are RE2 (com.google.re2j): matching time is linear
 * in the input, so no rule an admin writes can be made to backtrack for minutes by a sender.
 * Attachments are blocked by file name (RFC 2231 and RFC 2047 encodings decoded, then put in the
 * form Windows saves them under) and declared type, in nested messages too (both the
 * Content-Disposition filename and the Content-Type name, since readers differ on which they
 * show), and files uuencoded, yEnc- or BinHex-encoded inside text by the name on their begin line
 * ({@link MimeWalker}); a structure nested deeper than {@code max-nesting}
 * is refused. The MIME structure is streamed ({@link MimeScanner}), never built as a tree, and
 * every loop over what the sender wrote looks at the step's budget ({@link Deadline}).
 */
final class RulesCheck implements ContentCheck {
    private record CompiledRule(Pattern pattern, CheckConfig.PatternRule rule) {
    }

    private final CheckConfig.Rules config;
    private final List<CompiledRule> headerRules;
    private final List<CompiledRule> bodyRules;

    RulesCheck(CheckConfig.Rules config) {
        this.config = config;
        this.headerRules = compile(config.headerChecks());
        this.bodyRules = compile(config.bodyChecks());
    }

    private static List<CompiledRule> compile(List<CheckConfig.PatternRule> rules) {
        return rules.stream().map(r -> new CompiledRule(Pattern.compile(r.pattern()), r)).toList();
    }

    @Override
    public boolean runsInline() {
        return true;
    }

    @Override
    public ContentVerdict check(ContentMessage message, ContentStep step) throws IOException {
        Deadline deadline = Deadline.after(step.timeout());
        for (HeaderField field : message.headers()) {
            for (String line : readings(field)) {
                for (CompiledRule rule : headerRules) {
                    if (rule.pattern().matcher(line).find()) {
                        return matched(rule.rule(), "header-check");
                    }
                }
            }
            deadline.check();
        }
        if (!needsMimeWalk(message)) {
            return ContentVerdict.ACCEPT;
        }
        MimeWalker walker = new MimeWalker(config, bodyRules.isEmpty() ? 0 : config.maxBodyScan());
        // The chain has held the message to its listener's MIME limits already; the walk keeps
        // nothing per part, so only this check's own nesting limit and its budget apply here.
        MimeLimits limits = new MimeLimits(Integer.MAX_VALUE, config.maxNesting(), Long.MAX_VALUE);
        MimeFinding finding = MimeScanner.scan(message, limits, deadline, walker);
        return finding == null ? bodyVerdict(walker.textLines(), deadline) : MimeFinding.refusal(finding);
    }

    /**
     * The forms of a field a header rule is matched against: "Name: value" unfolded as sent, and,
     * where they differ, with RFC 2047 encoded words decoded and runs of white space (a tab left by
     * folding) made one space, as a reader sees it. A sender cannot step around a rule by encoding
     * or folding the words it looks for; a rule that matches the raw form still matches.
     */
    private static List<String> readings(HeaderField field) {
        String value = field.value();
        String raw = field.name() + ": " + value; // HeaderField.unfolded()
        if (value.contains("=?")) {
            try {
                value = jakarta.mail.internet.MimeUtility.decodeText(value);
            } catch (java.io.UnsupportedEncodingException e) {
                // an unknown charset: the raw form and the white-space form are what there is
            }
        }
        String read = field.name() + ": " + WHITE_SPACE.matcher(value).replaceAll(" ");
        return read.equals(raw) ? List.of(raw) : List.of(raw, read);
    }

    private static final Pattern WHITE_SPACE = Pattern.compile("\\s+");

    /**
     * Header checks alone need no MIME parsing. Attachment rules do, even for a message without
     * Content-Type: its text may carry a uuencoded (or yEnc, BinHex) file.
     */
    private boolean needsMimeWalk(ContentMessage message) {
        if (!bodyRules.isEmpty() || !config.blockedFileNames().isEmpty() || !config.blockedTypes().isEmpty()) {
            return true;
        }
        HeaderField type = message.header("Content-Type");
        if (type == null) {
            return false;
        }
        String value = type.value().toLowerCase(Locale.ROOT);
        return value.startsWith("multipart/") || value.startsWith("message/");
    }

    private ContentVerdict bodyVerdict(List<String> lines, Deadline deadline) throws Deadline.Exceeded {
        for (String line : lines) {
            deadline.check();
            for (CompiledRule rule : bodyRules) {
                if (rule.pattern().matcher(line).find()) {
                    return matched(rule.rule(), "body-check");
                }
            }
        }
        return ContentVerdict.ACCEPT;
    }

    private static ContentVerdict matched(CheckConfig.PatternRule rule, String reason) {
        String text = rule.text() == null ? null : printable(rule.text());
        return switch (rule.action()) {
            case REJECT -> new ContentVerdict.Reject(withText(Replies.CONTENT_REJECTED, text), reason);
            case TEMPFAIL -> new ContentVerdict.Tempfail(withText(Replies.CONTENT_TEMPFAIL, text), reason);
            case QUARANTINE -> new ContentVerdict.Quarantine(reason + ": " + (text != null ? text : rule.pattern()),
                    MessageEdits.NONE);
        };
    }

    private static Reply withText(Reply reply, String text) {
        return text == null ? reply : reply.withText(text);
    }

    /** Reply text is one line of printable ASCII, whatever a file name or a config value holds. */
    static String printable(String text) {
        StringBuilder out = new StringBuilder();
        text.codePoints().limit(200).forEach(c -> out.append(c >= 32 && c < 127 ? (char) c : '?'));
        return out.toString();
    }
}
