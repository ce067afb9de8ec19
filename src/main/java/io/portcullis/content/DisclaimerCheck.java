package io.portcullis.content;

import io.portcullis.config.CheckConfig;
import io.portcullis.config.ContentStep;
import jakarta.mail.BodyPart;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.InternetHeaders;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.util.SharedFileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Enumeration;
import java.util.Locale;
import java.util.Properties;

/**
 * Appends a disclaimer, MIME-aware: to the text/plain and text/html parts a reader sees first
 * (both halves of a multipart/alternative), as a new text part at the end of a multipart/mixed
 * whose first part is not text, and by wrapping anything it must not touch (a signed or
 * encrypted message, a bare attachment) into a multipart/mixed beside a new text part. A message
 * whose text already holds the disclaimer (a reply quoting an earlier one) is left alone, so the
 * disclaimer appears once in a reply chain. Put it before dkim-sign in the chain.
 */
final class DisclaimerCheck implements ContentCheck {
    private final CheckConfig.Disclaimer config;
    private final String html;
    private final String fingerprint;
    private final Session session = Session.getInstance(new Properties());

    DisclaimerCheck(CheckConfig.Disclaimer config) {
        this.config = config;
        this.html = config.html() != null ? config.html() : "<p>" + escape(config.text()).replace("\n", "<br>\n") + "</p>";
        String firstLine = config.text().lines().filter(l -> !l.isBlank()).findFirst().orElse("");
        this.fingerprint = normalise(firstLine);
    }

    @Override
    public boolean runsInline() {
        return true;
    }

    @Override
    public ContentVerdict check(ContentMessage message, ContentStep step) throws IOException {
        Deadline deadline = Deadline.after(step.timeout());
        String domain = message.fromDomain();
        if (fingerprint.isEmpty() || (!config.senderDomains().isEmpty() && !config.senderDomains().contains(domain))) {
            return ContentVerdict.ACCEPT;
        }
        try {
            MimeMessage mime = new KeptIdMessage(session, new SharedFileInputStream(message.file().toFile()));
            if (alreadyCarries(mime, 0, deadline)) {
                return ContentVerdict.ACCEPT;
            }
            if (!appendToText(mime, 0, deadline)) {
                wrap(mime);
            }
            mime.saveChanges();
            return new ContentVerdict.Accept(MessageEdits.replaceWhole(out -> {
                try {
                    mime.writeTo(out);
                } catch (MessagingException e) {
                    throw new IOException("cannot write the message with its disclaimer: " + e.getMessage(), e);
                }
            }));
        } catch (MessagingException e) {
            throw new IOException("cannot add the disclaimer: " + e.getMessage(), e);
        }
    }

    /** Adds the disclaimer to the text a reader sees first; false when the structure has no such place. */
    private boolean appendToText(Part part, int depth, Deadline deadline) throws MessagingException, IOException {
        deadline.check();
        String type = baseType(part);
        if (Part.ATTACHMENT.equalsIgnoreCase(part.getDisposition()) || depth > 10) {
            return false;
        }
        if (type.equals("text/plain") || type.equals("text/html")) {
            appendText(part, type.equals("text/html"));
            return true;
        }
        if (!(type.startsWith("multipart/")) || type.equals("multipart/signed") || type.equals("multipart/encrypted")) {
            return false;
        }
        Multipart multipart = (Multipart) part.getContent();
        if (multipart.getCount() == 0) {
            return false;
        }
        if (type.equals("multipart/alternative")) {
            boolean any = false;
            for (int i = 0; i < multipart.getCount(); i++) {
                any |= appendToText(multipart.getBodyPart(i), depth + 1, deadline);
            }
            return any;
        }
        if (appendToText(multipart.getBodyPart(0), depth + 1, deadline)) {
            part.setContent(multipart); // marks the part changed so its new content is written
            return true;
        }
        if (type.equals("multipart/mixed")) {
            multipart.addBodyPart(disclaimerPart());
            part.setContent(multipart);
            return true;
        }
        return false;
    }

    private void appendText(Part part, boolean isHtml) throws MessagingException, IOException {
        ContentType type = new ContentType(part.getContentType());
        String text = part.getContent() instanceof String s ? s : "";
        Charset charset = charset(type.getParameter("charset"));
        String addition = isHtml ? html : config.text();
        if (!charset.newEncoder().canEncode(addition)) {
            charset = StandardCharsets.UTF_8;
        }
        String changed;
        if (isHtml) {
            int body = text.toLowerCase(Locale.ROOT).lastIndexOf("</body>");
            changed = body >= 0 ? text.substring(0, body) + addition + "\r\n" + text.substring(body) : text + "\r\n" + addition + "\r\n";
        } else {
            changed = (text.endsWith("\n") || text.isEmpty() ? text : text + "\r\n") + "\r\n" + addition + "\r\n";
        }
        changed = changed.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n");
        type.setParameter("charset", charset.name());
        part.setContent(changed, type.toString());
        part.setHeader("Content-Type", type.toString());
    }

    /** The original content becomes the first part of a new multipart/mixed, untouched; the disclaimer follows. */
    private void wrap(MimeMessage mime) throws MessagingException, IOException {
        InternetHeaders headers = new InternetHeaders();
        for (Enumeration<String> lines = mime.getMatchingHeaderLines(new String[] {"Content-Type",
                "Content-Transfer-Encoding", "Content-Disposition", "Content-Description", "Content-ID"});
             lines.hasMoreElements(); ) {
            headers.addHeaderLine(lines.nextElement());
        }
        byte[] content;
        try (InputStream raw = mime.getRawInputStream()) {
            content = raw.readAllBytes();
        }
        MimeMultipart mixed = new MimeMultipart("mixed");
        mixed.addBodyPart(new MimeBodyPart(headers, content));
        mixed.addBodyPart(disclaimerPart());
        mime.removeHeader("Content-Transfer-Encoding");
        mime.removeHeader("Content-Disposition");
        mime.setContent(mixed);
    }

    private BodyPart disclaimerPart() throws MessagingException {
        MimeBodyPart part = new MimeBodyPart();
        part.setText(config.text().replace("\r\n", "\n").replace("\n", "\r\n") + "\r\n", "utf-8");
        part.setDisposition(Part.INLINE);
        return part;
    }

    /** True when a text part already holds the disclaimer's first line, quoted or not. */
    private boolean alreadyCarries(Part part, int depth, Deadline deadline) throws MessagingException, IOException {
        deadline.check();
        String type = baseType(part);
        if (depth > 10) {
            return false;
        }
        if (type.startsWith("text/") && !Part.ATTACHMENT.equalsIgnoreCase(part.getDisposition())) {
            String text = part.getContent() instanceof String s ? s : "";
            if (type.equals("text/html")) {
                text = withoutTags(text).replace("&nbsp;", " ");
            }
            return normalise(text.replaceAll("(?m)^[ \t>]+", "")).contains(fingerprint);
        }
        if (type.startsWith("multipart/") && part.getContent() instanceof Multipart multipart) {
            for (int i = 0; i < multipart.getCount(); i++) {
                if (alreadyCarries(multipart.getBodyPart(i), depth + 1, deadline)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String baseType(Part part) throws MessagingException {
        try {
            return new ContentType(part.getContentType() == null ? "text/plain" : part.getContentType())
                    .getBaseType().toLowerCase(Locale.ROOT);
        } catch (jakarta.mail.internet.ParseException e) {
            return "application/octet-stream";
        }
    }

    private static Charset charset(String name) {
        try {
            return name == null ? StandardCharsets.US_ASCII : Charset.forName(name.strip());
        } catch (IllegalArgumentException e) {
            return StandardCharsets.UTF_8;
        }
    }

    /**
     * Markup replaced by spaces, in one pass: a tag runs from {@code <} to the next {@code >}; a
     * {@code <} that none follows is text. (The regular expression this replaces tried every
     * unclosed {@code <} to the end of the text: a part full of them cost the square of its length.)
     */
    static String withoutTags(String html) {
        StringBuilder text = new StringBuilder(html.length());
        int i = 0;
        while (i < html.length()) {
            int open = html.indexOf('<', i);
            if (open < 0) {
                text.append(html, i, html.length());
                break;
            }
            int close = html.indexOf('>', open + 1);
            if (close < 0) {
                text.append(html, i, html.length()); // an unclosed < is text
                break;
            }
            text.append(html, i, open).append(' ');
            i = close + 1;
        }
        return text.toString();
    }

    private static String normalise(String text) {
        return text.replaceAll("\\s+", " ").strip().toLowerCase(Locale.ROOT);
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    /** Angus Mail would give a saved message a new Message-ID; a relay must keep the sender's. */
    private static final class KeptIdMessage extends MimeMessage {
        KeptIdMessage(Session session, InputStream in) throws MessagingException {
            super(session, in);
        }

        @Override
        protected void updateMessageID() {
        }
    }
}
