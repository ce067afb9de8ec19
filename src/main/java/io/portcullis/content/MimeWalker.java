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
 * parts collected for body checks within a budget of octets.
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
    public MimeScanner.Finding entity(MimeScanner.Entity entity) {
        for (String blockedType : config.blockedTypes()) {
            boolean match = blockedType.endsWith("/*")
                    ? entity.baseType().startsWith(blockedType.substring(0, blockedType.length() - 1))
                    : entity.baseType().equals(blockedType);
            if (match) {
                return new MimeScanner.Finding.Blocked(entity.baseType());
            }
        }
        for (String name : entity.fileNames()) { // both: readers differ on which one they show
            String lower = name.toLowerCase(Locale.ROOT).strip();
            for (String glob : config.blockedFileNames()) {
                if (globMatches(glob, lower)) {
                    return new MimeScanner.Finding.Blocked(name);
                }
            }
        }
        return null;
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
