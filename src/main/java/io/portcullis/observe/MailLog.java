package io.portcullis.observe;

import io.portcullis.smtp.Reply;
import io.portcullis.spool.Envelope;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mail log: one line per connection, refusal, queueing and delivery, in the shape of Postfix's
 * maillog, so that tools written for it (fail2ban, pflogsumm-like summaries, grep by queue id) read
 * it. Logger {@code portcullis.mail}, always at info. A line about a message starts with its queue
 * id, one about a refusal before queueing with {@code NOQUEUE}; facts follow as {@code key=value}
 * (addresses in angle brackets, clients as {@code [address]}). Every value a client chose (HELO,
 * addresses, user names, reply details) goes through {@link #escape}, so no client can start a
 * line of its own; passwords and AUTH data are never given to this class. On a node with a
 * {@code node-id} the queue id names the node ({@code ID-node}); lines without one end in {@code node=}.
 *
 * <pre>
 * connect from [192.0.2.1] listener=inbound node=mx1
 * NOQUEUE: reject: RCPT from [192.0.2.1]: 550 5.1.1 ...; from=&lt;a@b&gt; to=&lt;c@d&gt; proto=ESMTP helo=&lt;h&gt; listener=inbound reason=recipient-unknown check=recipients node=mx1
 * auth failure: [192.0.2.1] user=&lt;joe&gt; mechanism=PLAIN listener=submission node=mx1
 * D241WHSD2RBK-mx1: client=[192.0.2.1], listener=inbound, helo=&lt;h&gt;
 * D241WHSD2RBK-mx1: message-id=&lt;x@y&gt;
 * D241WHSD2RBK-mx1: from=&lt;a@b&gt;, size=123, nrcpt=1 (queue active)
 * D241WHSD2RBK-mx1: to=&lt;c@d&gt;, relay=mx.d[192.0.2.9], connector=internet, delay=0.5, dsn=2.0.0, status=sent (250 ok)
 * D241WHSD2RBK-mx1: removed
 * </pre>
 */
public final class MailLog {
    public static final String LOGGER = "portcullis.mail";
    private static final Logger log = LoggerFactory.getLogger(LOGGER);
    private static final Pattern ENHANCED = Pattern.compile("\\b([245]\\.\\d{1,3}\\.\\d{1,3})\\b");

    private MailLog() {
    }

    static void connect(String listener, String client, String node) {
        log.info("connect from [{}] listener={}{}", escape(client), listener, node == null ? "" : " node=" + node);
    }

    /** A refusal before a queue id exists: the phase (or "SMTP" for a protocol error) names the command. */
    static void reject(String listener, String reason, Reply reply, Telemetry.Refused refused, String node) {
        if (!log.isInfoEnabled()) {
            return;
        }
        StringBuilder line = new StringBuilder("NOQUEUE: reject: ")
                .append(refused.phase() == null ? "SMTP" : refused.phase().toUpperCase(java.util.Locale.ROOT))
                .append(" from [").append(escape(refused.client())).append("]: ").append(escape(reply.toString()));
        String separator = "; ";
        if (refused.sender() != null) {
            line.append(separator).append("from=<").append(escape(refused.sender())).append('>');
            separator = " ";
        }
        if (refused.recipients() != null && !refused.recipients().isEmpty()) {
            line.append(separator).append("to=<")
                    .append(escape(refused.recipients().get(refused.recipients().size() - 1))).append('>');
            separator = " ";
        }
        if (refused.helo() != null) {
            line.append(separator).append("helo=<").append(escape(refused.helo())).append('>');
            separator = " ";
        }
        line.append(separator).append("listener=").append(listener).append(" reason=").append(reason);
        if (refused.check() != null) {
            line.append(" check=").append(refused.check());
        }
        if (node != null) {
            line.append(" node=").append(node);
        }
        log.info(line.toString());
    }

    static void authFailure(String listener, String client, String user, String mechanism, String node) {
        log.info("auth failure: [{}] user=<{}> mechanism={} listener={}{}", escape(client), user == null ? "" : escape(user),
                escape(mechanism), listener, node == null ? "" : " node=" + node);
    }

    static void queued(Envelope envelope) {
        if (!log.isInfoEnabled()) {
            return;
        }
        String id = envelope.queueId();
        Envelope.Client client = envelope.client();
        log.info("{}: client=[{}], listener={}{}{}", id, escape(client.address()), envelope.listener(),
                client.helo() == null ? "" : ", helo=<" + escape(client.helo()) + ">",
                client.authenticatedAs() == null ? "" : ", sasl_username=<" + escape(client.authenticatedAs()) + ">");
        if (envelope.messageId() != null) {
            log.info("{}: message-id=<{}>", id, escape(stripAngles(envelope.messageId())));
        }
        log.info("{}: from=<{}>, size={}, nrcpt={} (queue active)", id, escape(envelope.sender()), envelope.size(),
                envelope.recipients().size());
    }

    /** One recipient's outcome: status sent, deferred, bounced or expired, with the DSN code of the reply. */
    static void delivery(String event, Envelope envelope, String recipient, String connector, String remoteHost,
                         String reply) {
        if (!log.isInfoEnabled()) {
            return;
        }
        String status = switch (event) {
            case "DELIVER" -> "sent";
            case "DEFER" -> "deferred";
            case "BOUNCE" -> "bounced";
            default -> "expired";
        };
        String text = reply == null ? "" : reply;
        Matcher enhanced = ENHANCED.matcher(text);
        String dsn = enhanced.find() ? enhanced.group(1) : switch (status) {
            case "sent" -> "2.0.0";
            case "deferred" -> "4.0.0";
            default -> "5.0.0";
        };
        double delay = Duration.between(envelope.arrival(), Instant.now()).toMillis() / 1000.0;
        log.info("{}: to=<{}>, relay={}, connector={}, delay={}, dsn={}, status={} ({})", envelope.queueId(),
                escape(recipient), remoteHost == null ? "none" : escape(remoteHost), connector == null ? "none" : connector,
                String.format(java.util.Locale.ROOT, "%.1f", delay), dsn, status, escape(text));
    }

    /** HOLD, RELEASE, DELETE by an administrator, QUARANTINE by a content check. */
    static void administered(String event, Envelope envelope, String reason) {
        log.info("{}: {}: {}", envelope.queueId(), event.toLowerCase(java.util.Locale.ROOT),
                reason == null ? "" : escape(reason));
    }

    private static String stripAngles(String messageId) {
        return messageId.startsWith("<") && messageId.endsWith(">") ? messageId.substring(1, messageId.length() - 1)
                : messageId;
    }

    /**
     * The text with every control character (C0, DEL, C1, and the Unicode line and paragraph
     * separators) and the backslash written as an escape ({@code \r}, {@code \n}, {@code \x1b},
     * {@code \u2028}, {@code \\}): one log record is one line, whatever a client sent. Text
     * without such characters is returned as it is, without copying.
     */
    public static String escape(String text) {
        return escape(text, true);
    }

    private static String escape(String text, boolean backslash) {
        if (text == null) {
            return "";
        }
        int i = 0;
        while (i < text.length() && !needsEscape(text.charAt(i), backslash)) {
            i++;
        }
        if (i == text.length()) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length() + 16).append(text, 0, i);
        for (; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!needsEscape(c, backslash)) {
                out.append(c);
            } else if (c == '\\') {
                out.append("\\\\");
            } else if (c == '\r') {
                out.append("\\r");
            } else if (c == '\n') {
                out.append("\\n");
            } else if (c == '\t') {
                out.append("\\t");
            } else if (c < 0x100) {
                out.append(String.format("\\x%02x", (int) c));
            } else {
                out.append(String.format("\\u%04x", (int) c));
            }
        }
        return out.toString();
    }

    /**
     * Like {@link #escape} but leaves backslashes alone: for whole log messages, whose client-chosen
     * parts were escaped already (so a backslash there is not doubled again).
     */
    public static String escapeControls(String text) {
        return escape(text, false);
    }

    private static boolean needsEscape(char c, boolean backslash) {
        return c < 0x20 || (backslash && c == '\\') || (c >= 0x7f && c < 0xa0) || c == '\u2028' || c == '\u2029';
    }
}
