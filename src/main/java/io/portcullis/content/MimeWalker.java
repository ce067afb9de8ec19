package io.portcullis.content;

import io.portcullis.config.CheckConfig;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.MimeUtility;
import jakarta.mail.internet.ParseException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One walk over a parsed MIME tree (Angus Mail), for {@link RulesCheck}: every part's declared
 * type and file name against the blocked lists, the nesting depth, and the decoded lines of text
 * parts collected for body checks within a budget of characters.
 */
final class MimeWalker {
    sealed interface Finding {
        record TooDeep() implements Finding {
        }

        record Blocked(String what) implements Finding {
        }
    }

    private final CheckConfig.Rules config;
    private long textBudget;
    private final List<String> textLines = new ArrayList<>();

    MimeWalker(CheckConfig.Rules config, long textBudget) {
        this.config = config;
        this.textBudget = textBudget;
    }

    /** The first finding, or null when the structure passes. */
    Finding walk(Part root) throws MessagingException, IOException {
        return walk(root, 0);
    }

    List<String> textLines() {
        return textLines;
    }

    private Finding walk(Part part, int depth) throws MessagingException, IOException {
        if (depth > config.maxNesting()) {
            return new Finding.TooDeep();
        }
        ContentType type = contentType(part);
        String baseType = type.getBaseType().toLowerCase(Locale.ROOT);
        Finding blocked = blocked(part, baseType);
        if (blocked != null) {
            return blocked;
        }
        if (baseType.startsWith("multipart/")) {
            if (part.getContent() instanceof Multipart multipart) {
                for (int i = 0; i < multipart.getCount(); i++) {
                    Finding finding = walk(multipart.getBodyPart(i), depth + 1);
                    if (finding != null) {
                        return finding;
                    }
                }
            }
        } else if (baseType.equals("message/rfc822") || baseType.equals("message/global")) {
            if (part.getContent() instanceof Part nested) {
                return walk(nested, depth + 1);
            }
        } else if (baseType.startsWith("text/") && textBudget > 0) {
            collectText(part, type);
        }
        return null;
    }

    private static ContentType contentType(Part part) throws MessagingException {
        try {
            String declared = part.getContentType();
            return new ContentType(declared == null ? "text/plain" : declared);
        } catch (ParseException e) {
            return new ContentType("application", "octet-stream", null); // unparseable: treated as opaque data
        }
    }

    private Finding blocked(Part part, String baseType) throws MessagingException {
        for (String blockedType : config.blockedTypes()) {
            boolean match = blockedType.endsWith("/*")
                    ? baseType.startsWith(blockedType.substring(0, blockedType.length() - 1))
                    : baseType.equals(blockedType);
            if (match) {
                return new Finding.Blocked(baseType);
            }
        }
        String name;
        try {
            name = part.getFileName();
        } catch (ParseException e) {
            name = null;
        }
        if (name == null) {
            return null;
        }
        if (name.contains("=?")) {
            try {
                name = MimeUtility.decodeText(name);
            } catch (java.io.UnsupportedEncodingException e) {
                // an unknown charset: match the name as written
            }
        }
        String lower = name.toLowerCase(Locale.ROOT).strip();
        for (String glob : config.blockedFileNames()) {
            if (globMatches(glob, lower)) {
                return new Finding.Blocked(name);
            }
        }
        return null;
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

    private void collectText(Part part, ContentType type) throws MessagingException, IOException {
        Charset charset = StandardCharsets.UTF_8;
        String declared = type.getParameter("charset");
        if (declared != null) {
            try {
                charset = Charset.forName(declared.strip());
            } catch (IllegalArgumentException e) {
                charset = StandardCharsets.ISO_8859_1; // unknown charset: every octet still becomes a character
            }
        }
        byte[] decoded;
        try (InputStream in = part.getInputStream()) {
            decoded = in.readNBytes((int) Math.min(textBudget, Integer.MAX_VALUE - 8));
        }
        textBudget -= decoded.length;
        for (String line : new String(decoded, charset).split("\r?\n")) {
            textLines.add(line);
        }
    }
}
