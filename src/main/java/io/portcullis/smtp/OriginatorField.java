package io.portcullis.smtp;

/**
 * The value of a {@code From:} or {@code Sender:} field (RFC 5322 §3.6.2) read as exactly one
 * mailbox (§3.4): {@code addr-spec} or {@code [display-name] <addr-spec>}, with comments and white
 * space wherever §3.2.2 allows them, quoted strings, and UTF-8 (RFC 6532). What a policy cannot
 * vouch for is a syntax error rather than a guess: a list of mailboxes, a group, an empty address,
 * obsolete forms (a route, white space or comments inside a dot-atom), text after the mailbox.
 * Only a display name may hold obsolete periods ({@code John Q. Public}), as it decides nothing.
 *
 * <p>The address found is checked once more by {@link PathParser#parseMailbox}, so the header's
 * mailbox and an envelope mailbox have the same grammar and the same canonical domain.
 */
public final class OriginatorField {
    /** Comments nest (§3.2.2); deeper than this is not a real header. */
    private static final int MAX_COMMENT_DEPTH = 16;

    private final String text;
    private int pos;

    private OriginatorField(String text) {
        this.text = text;
    }

    /** The one mailbox of an unfolded field value. */
    public static Mailbox parse(String value) throws SyntaxException {
        OriginatorField parser = new OriginatorField(value);
        Mailbox mailbox = parser.mailbox();
        parser.skipCfws();
        if (parser.pos != value.length()) {
            throw new SyntaxException(parser.peek() == ',' ? "more than one mailbox"
                    : parser.peek() == ':' || parser.peek() == ';' ? "group syntax" : "text after the mailbox");
        }
        return mailbox;
    }

    private Mailbox mailbox() throws SyntaxException {
        skipCfws();
        int start = pos;
        if (peek() != '<') {
            // An addr-spec, or the display name before an angle-addr: read words until '<' or '@'.
            boolean words = false;
            while (peek() != '<' && peek() != '@') {
                if (peek() == '"') {
                    quotedString();
                } else if (isAtext(peek()) || (words && peek() == '.')) {
                    while (isAtext(peek()) || peek() == '.') {
                        pos++;
                    }
                } else {
                    throw new SyntaxException(peek() == -1 ? "no address" : "unexpected character in mailbox");
                }
                words = true;
                skipCfws();
            }
            if (peek() == '@') {
                pos = start;
                return addrSpec();
            }
        }
        pos++; // '<'
        Mailbox mailbox = addrSpec();
        if (peek() != '>') {
            throw new SyntaxException("expected > after the address");
        }
        pos++;
        return mailbox;
    }

    /** {@code local-part "@" domain}, each with optional CFWS around it (§3.4.1), no obsolete forms. */
    private Mailbox addrSpec() throws SyntaxException {
        skipCfws();
        int localStart = pos;
        if (peek() == '"') {
            quotedString();
        } else {
            dotAtomText();
        }
        String localPart = text.substring(localStart, pos);
        skipCfws();
        if (peek() != '@') {
            throw new SyntaxException("expected @domain");
        }
        pos++;
        skipCfws();
        int domainStart = pos;
        if (peek() == '[') {
            int end = text.indexOf(']', pos);
            if (end < 0) {
                throw new SyntaxException("unterminated domain literal");
            }
            pos = end + 1;
        } else {
            dotAtomText();
        }
        String domain = text.substring(domainStart, pos);
        skipCfws();
        return PathParser.parseMailbox(localPart + "@" + domain);
    }

    private void dotAtomText() throws SyntaxException {
        while (true) {
            int atomStart = pos;
            while (isAtext(peek())) {
                pos++;
            }
            if (pos == atomStart) {
                throw new SyntaxException("bad atom in address");
            }
            if (peek() != '.') {
                return;
            }
            pos++;
        }
    }

    private void quotedString() throws SyntaxException {
        pos++;
        while (true) {
            int c = peek();
            if (c == -1) {
                throw new SyntaxException("unterminated quoted string");
            }
            pos++;
            if (c == '"') {
                return;
            }
            if (c == '\\') {
                if (peek() == -1) {
                    throw new SyntaxException("unterminated quoted pair");
                }
                pos++;
            } else if (c < 32 && c != '\t') {
                throw new SyntaxException("control character in quoted string");
            }
        }
    }

    /** White space and comments, nested comments included (§3.2.2). */
    private void skipCfws() throws SyntaxException {
        while (true) {
            int c = peek();
            if (c == ' ' || c == '\t') {
                pos++;
            } else if (c == '(') {
                skipComment();
            } else {
                return;
            }
        }
    }

    private void skipComment() throws SyntaxException {
        int depth = 0;
        do {
            int c = peek();
            if (c == -1) {
                throw new SyntaxException("unterminated comment");
            }
            pos++;
            if (c == '(') {
                if (++depth > MAX_COMMENT_DEPTH) {
                    throw new SyntaxException("comments nested too deeply");
                }
            } else if (c == ')') {
                depth--;
            } else if (c == '\\') {
                if (peek() == -1) {
                    throw new SyntaxException("unterminated quoted pair");
                }
                pos++;
            } else if (c < 32 && c != '\t') {
                throw new SyntaxException("control character in comment");
            }
        } while (depth > 0);
    }

    private int peek() {
        return pos < text.length() ? text.charAt(pos) : -1;
    }

    /** atext of RFC 5322 §3.2.3, with UTF-8 (RFC 6532 §3.2). */
    private static boolean isAtext(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 128
                || (c > 0 && "!#$%&'*+-/=?^_`{|}~".indexOf(c) >= 0);
    }
}
