package io.portcullis.content;

import io.portcullis.config.CheckConfig;
import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What {@link RulesCheck} looks for while {@link MimeScanner} streams through a message: every
 * entity's declared type and file names against the blocked lists, and the decoded lines of text
 * parts collected for body checks within a budget of octets. Files encoded inside text (uuencode,
 * yEnc, BinHex) are entities too, with the name from their begin line.
 *
 * <p>A name is matched in the form Windows and mail clients save it under ({@link #canonical}):
 * trailing dots and spaces go (Windows strips them, so {@code a.exe. .} is {@code a.exe}), and so
 * does a trailing {@code ::$DATA} (the NTFS name of a file's own data); the name is matched whole
 * and after its last {@code /} or {@code \}. A name with a control character in it (a NUL that a C
 * string ends at, a line break) is refused outright: readers cut it, show it or save it apart.
 */
final class MimeWalker implements MimeScanner.Visitor {
    private final CheckConfig.Rules config;
    private long textBudget;
    private final List<String> textLines = new ArrayList<>();

    MimeWalker(CheckConfig.Rules config, long textBudget) {
        this.config = config;
        this.textBudget = textBudget;
    }

    List<String> textLines() {
        return textLines;
    }

    @Override
    public MimeFinding entity(MimeScanner.Entity entity) {
        for (String blockedType : config.blockedTypes()) {
            boolean match = blockedType.endsWith("/*")
                    ? entity.baseType().startsWith(blockedType.substring(0, blockedType.length() - 1))
                    : entity.baseType().equals(blockedType);
            if (match) {
                return new MimeFinding.Blocked(entity.baseType());
            }
        }
        if (config.blockedFileNames().isEmpty()) {
            return null;
        }
        for (String name : entity.fileNames()) { // all: readers differ on which one they show
            if (hasControl(name)) {
                return new MimeFinding.BadFileName(name);
            }
            String canonical = canonical(name);
            int slash = Math.max(canonical.lastIndexOf('/'), canonical.lastIndexOf('\\'));
            String base = canonical.substring(slash + 1);
            for (String glob : config.blockedFileNames()) {
                if (globMatches(glob, canonical) || (slash >= 0 && globMatches(glob, base))) {
                    return new MimeFinding.Blocked(name);
                }
            }
        }
        return null;
    }

    @Override
    public boolean embeddedFiles() {
        return !config.blockedFileNames().isEmpty() || !config.blockedTypes().isEmpty();
    }

    /** A C0 or C1 control or DEL; a tab (which unfolding leaves in a quoted name) is white space. */
    static boolean hasControl(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (Character.isISOControl(c) && c != '\t') {
                return true;
            }
        }
        return false;
    }

    /**
     * The name as Windows would save it, lower case: without trailing dots, white space and path
     * separators, nor a trailing {@code ::$data} stream name, repeatedly ({@code a.exe::$DATA. } is
     * {@code a.exe}).
     */
    static String canonical(String name) {
        String s = name.toLowerCase(Locale.ROOT).strip();
        while (true) {
            int end = s.length();
            while (end > 0 && (s.charAt(end - 1) == '.' || s.charAt(end - 1) == '/' || s.charAt(end - 1) == '\\'
                    || Character.isWhitespace(s.charAt(end - 1)))) {
                end--;
            }
            if (end >= 7 && s.startsWith("::$data", end - 7)) {
                end -= 7;
            } else if (end == s.length()) {
                return s;
            }
            s = s.substring(0, end);
        }
    }

    @Override
    public MimeScanner.TextSink text(MimeScanner.Entity entity) {
        if (!entity.baseType().startsWith("text/") || textBudget <= 0) {
            return null;
        }
        Charset charset = charset(entity.type().getParameter("charset"));
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        return new MimeScanner.TextSink() {
            @Override
            public void write(byte[] bytes, int length) {
                int n = (int) Math.min(length, textBudget);
                text.write(bytes, 0, n);
                textBudget -= n;
            }

            @Override
            public void end() {
                for (String line : new String(text.toByteArray(), charset).split("\r?\n")) {
                    textLines.add(line);
                }
            }
        };
    }

    private static Charset charset(String declared) {
        if (declared == null) {
            return StandardCharsets.UTF_8;
        }
        try {
            return Charset.forName(declared.strip());
        } catch (IllegalArgumentException e) {
            return StandardCharsets.ISO_8859_1; // unknown charset: every octet still becomes a character
        }
    }

    /** Shell-style glob: {@code *} any run, {@code ?} one character; both sides lower-case. */
    static boolean globMatches(String glob, String text) {
        int g = 0;
        int t = 0;
        int star = -1;
        int resume = 0;
        while (t < text.length()) {
            if (g < glob.length() && (glob.charAt(g) == '?' || glob.charAt(g) == text.charAt(t))) {
                g++;
                t++;
            } else if (g < glob.length() && glob.charAt(g) == '*') {
                star = g++;
                resume = t;
            } else if (star >= 0) {
                g = star + 1;
                t = ++resume;
            } else {
                return false;
            }
        }
        while (g < glob.length() && glob.charAt(g) == '*') {
            g++;
        }
        return g == glob.length();
    }
}
