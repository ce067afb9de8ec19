package io.portcullis.delivery;

import io.portcullis.smtp.RecipientParameters;
import io.portcullis.smtp.Xtext;
import io.portcullis.spool.Envelope;
import io.portcullis.spool.StoredMessage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * Builds a delivery status notification (RFC 3464): a {@code multipart/report} with a readable
 * explanation, a {@code message/delivery-status} part with one block per recipient, and the
 * original message's headers, or the whole message when the sender asked for RET=FULL and it is
 * not larger than the configured limit.
 */
final class DeliveryStatusNotification {
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ENGLISH);

    /** The RFC 3464 Action of a report: what happened to the recipients it lists. */
    enum Action {
        FAILED("Undelivered Mail Returned to Sender", "could not be delivered to one or more recipients. It is attached below."),
        DELAYED("Delayed Mail (still being retried)", "has not yet been delivered to one or more recipients. "
                + "Delivery is still being attempted; you do not need to send it again."),
        DELIVERED("Successful Mail Delivery Report", "was successfully delivered to the recipients below."),
        RELAYED("Successful Mail Delivery Report", "was passed on to a system that does not send delivery notifications.");

        final String subject;
        final String explanation;

        Action(String subject, String explanation) {
            this.subject = subject;
            this.explanation = explanation;
        }
    }

    /** One recipient's line in the report. */
    record Entry(Envelope.Recipient recipient, RecipientResult result) {
    }

    private DeliveryStatusNotification() {
    }

    static byte[] build(String reportingHost, Envelope original, StoredMessage messageFile, Action action, List<Entry> entries,
                        long fullContentLimit) throws IOException {
        String boundary = "portcullis-" + UUID.randomUUID();
        String now = DATE.format(ZonedDateTime.now(ZoneId.systemDefault()));
        StringBuilder text = new StringBuilder();
        text.append("From: Mail Delivery System <MAILER-DAEMON@").append(reportingHost).append(">\r\n")
                .append("To: <").append(original.sender()).append(">\r\n")
                .append("Subject: ").append(action.subject).append("\r\n")
                .append("Date: ").append(now).append("\r\n")
                .append("Message-ID: <").append(UUID.randomUUID()).append('@').append(reportingHost).append(">\r\n")
                .append("Auto-Submitted: auto-replied\r\n")
                .append("MIME-Version: 1.0\r\n")
                .append("Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"")
                .append(boundary).append("\"\r\n\r\n")
                .append("This is a MIME-encapsulated message.\r\n\r\n")
                .append("--").append(boundary).append("\r\n")
                .append("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
                .append("This is the mail system at host ").append(reportingHost).append(".\r\n\r\n")
                .append("Your message ").append(action.explanation).append("\r\n\r\n");
        for (Entry entry : entries) {
            text.append("<").append(entry.recipient().address()).append(">: ").append(entry.result().replyText())
                    .append("\r\n");
        }
        text.append("\r\n--").append(boundary).append("\r\n")
                .append("Content-Type: message/delivery-status\r\n\r\n")
                .append("Reporting-MTA: dns; ").append(reportingHost).append("\r\n");
        if (original.dsnEnvelopeId() != null) {
            text.append("Original-Envelope-Id: ").append(headerSafe(original.dsnEnvelopeId())).append("\r\n");
        }
        text.append("Arrival-Date: ").append(DATE.format(original.arrival().atZone(ZoneId.systemDefault()))).append("\r\n");
        for (Entry entry : entries) {
            RecipientResult result = entry.result();
            text.append("\r\n");
            String orcpt = entry.recipient().originalRecipient();
            // a utf-8 ORCPT that does not check out is left out: its reader decodes "\x{...}" (RFC 6533),
            // so no escaping of ours could keep a line break out of what it reads
            if (orcpt != null && !(RecipientParameters.isUtf8Type(orcpt) && !RecipientParameters.admitsStored(orcpt))) {
                text.append("Original-Recipient: ").append(headerSafe(orcpt).replaceFirst(";", "; ")).append("\r\n");
            }
            text.append("Final-Recipient: rfc822; ").append(entry.recipient().address()).append("\r\n")
                    .append("Action: ").append(action.name().toLowerCase(Locale.ROOT)).append("\r\n")
                    .append("Status: ").append(status(result)).append("\r\n");
            if (result.remoteHost() != null && !result.remoteHost().startsWith("drop:")) {
                text.append("Remote-MTA: dns; ").append(result.remoteHost().replaceFirst("\\[.*$", "")).append("\r\n");
            }
            text.append("Diagnostic-Code: smtp; ").append(result.replyText()).append("\r\n")
                    .append("Last-Attempt-Date: ").append(now).append("\r\n");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(text.toString().getBytes(StandardCharsets.UTF_8));
        boolean full = "FULL".equals(original.dsnReturn()) && messageFile.length() <= fullContentLimit;
        out.write(("\r\n--" + boundary + "\r\nContent-Type: " + (full ? "message/rfc822" : "text/rfc822-headers")
                + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        if (full) {
            out.write(messageFile.readAllBytes());
        } else {
            out.write(headers(messageFile));
        }
        out.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    /**
     * A client-supplied value (ENVID, ORCPT) made safe for a header line. The session admits only
     * printable US-ASCII, but a spool record written before that check may hold anything: a control
     * character (CR and LF above all, which would start new header lines or a new MIME part) or an
     * 8-bit character is written as xtext's "+XX" instead.
     */
    static String headerSafe(String value) {
        StringBuilder out = null;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 32 || c > 126) {
                if (out == null) {
                    out = new StringBuilder(value.length() + 8).append(value, 0, i);
                }
                out.append(Xtext.encode(String.valueOf(c)));
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? value : out.toString();
    }

    /** The enhanced status code of a result, or a generic one by class when the reply had none. */
    static String status(RecipientResult result) {
        if (result.reply().enhancedCode() != null) {
            return result.reply().enhancedCode();
        }
        return switch (result.outcome()) {
            case DELIVERED -> "2.0.0";
            case DEFERRED -> "4.0.0";
            case FAILED -> "5.0.0";
        };
    }

    /** The header section of the stored message, up to and including the empty line (at most 64 KiB). */
    private static byte[] headers(StoredMessage messageFile) throws IOException {
        ByteArrayOutputStream headers = new ByteArrayOutputStream();
        try (InputStream in = messageFile.open()) {
            int lastFour = 0;
            int b;
            while ((b = in.read()) >= 0 && headers.size() < 64 * 1024) {
                headers.write(b);
                lastFour = lastFour << 8 | b;
                if (lastFour == 0x0D0A0D0A) {
                    break;
                }
            }
        }
        return headers.toByteArray();
    }
}
