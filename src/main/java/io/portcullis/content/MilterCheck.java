package io.portcullis.content;

import static io.portcullis.milter.MilterConnection.ints;
import static io.portcullis.milter.MilterConnection.strings;
import static io.portcullis.milter.MilterProtocol.*;

import io.portcullis.config.CheckConfig;
import io.portcullis.config.ContentStep;
import io.portcullis.milter.MilterConnection;
import io.portcullis.milter.MilterConnection.Packet;
import io.portcullis.milter.MilterProtocol;
import io.portcullis.smtp.Mailbox;
import io.portcullis.smtp.PathParser;
import io.portcullis.smtp.Replies;
import io.portcullis.smtp.Reply;
import io.portcullis.smtp.SyntaxException;
import io.portcullis.spool.Envelope;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A milter client (protocol version 6), one connection per message. We offer every action and
 * every protocol option, then follow what the milter asks for: steps it skips are not sent,
 * steps it does not answer are not waited for, SKIP ends the body early. The conversation replays
 * the SMTP transaction the session already had (connect, HELO, MAIL, RCPT, DATA, headers, body)
 * with the usual macros; the milter's modifications become edits of the message and envelope.
 * Envelope addresses it sends are held to the session's own grammar ({@link #path}) first.
 */
final class MilterCheck implements ContentCheck {
    /** The longest packet taken from the milter (a replaced body may come in large ones). */
    private static final int MAX_PACKET = 64 * 1024 * 1024;

    private final CheckConfig.Milter config;
    private final String hostname;

    MilterCheck(CheckConfig.Milter config, String hostname) {
        this.config = config;
        this.hostname = hostname;
    }

    /** Ends the conversation early: the milter's final word before the end of the message. */
    private static final class Decided extends Exception {
        final ContentVerdict verdict;

        Decided(ContentVerdict verdict) {
            super(null, null, false, false);
            this.verdict = verdict;
        }
    }

    @Override
    public ContentVerdict check(ContentMessage message, ContentStep step) throws IOException {
        try (MilterConnection milter = MilterConnection.open(config.endpoint(), step.timeout(), MAX_PACKET)) {
            try {
                return converse(milter, message);
            } catch (Decided decided) {
                return decided.verdict;
            } finally {
                try {
                    milter.send('Q', new byte[0]);
                    milter.flush();
                } catch (IOException ignored) {
                    // the milter may have closed already; the answer is in
                }
            }
        }
    }

    private ContentVerdict converse(MilterConnection milter, ContentMessage message) throws IOException, Decided {
        MilterProtocol.Negotiated negotiated = MilterProtocol.negotiate(milter, ALL_ACTIONS, ALL_PROTOCOL);
        int actions = negotiated.actions();
        int protocol = negotiated.protocol();
        Envelope envelope = message.envelope();
        Envelope.Client client = envelope.client();
        String address = client.address();
        String clientName = "[" + address + "]";

        macros(milter, negotiated, 'C', "j", hostname, "{daemon_name}", envelope.listener(), "_", clientName,
                "{client_addr}", address, "{client_name}", clientName, "{client_port}", client.port());
        if ((protocol & SMFIP_NOCONNECT) == 0) {
            char family = address.contains(":") ? '6' : '4';
            ByteArrayOutputStream data = new ByteArrayOutputStream();
            data.writeBytes(strings(clientName));
            data.write(family);
            data.write(client.port() >>> 8);
            data.write(client.port());
            data.writeBytes(strings(address));
            step(milter, 'C', data.toByteArray(), protocol, SMFIP_NR_CONN);
        }
        macros(milter, negotiated, 'H', "{tls_version}", client.tlsProtocol(), "{cipher}", client.tlsCipher());
        if ((protocol & SMFIP_NOHELO) == 0) {
            step(milter, 'H', strings(client.helo() == null ? "" : client.helo()), protocol, SMFIP_NR_HELO);
        }
        macros(milter, negotiated, 'M', "i", envelope.queueId(), "{mail_addr}", envelope.sender(), "{auth_authen}",
                client.authenticatedAs(), "{auth_type}", client.authenticatedAs() == null ? null : "PLAIN");
        if ((protocol & SMFIP_NOMAIL) == 0) {
            step(milter, 'M', strings("<" + envelope.sender() + ">"), protocol, SMFIP_NR_MAIL);
        }
        List<String> refused = new ArrayList<>();
        if ((protocol & SMFIP_NORCPT) == 0) {
            for (Envelope.Recipient recipient : envelope.recipients()) {
                macros(milter, negotiated, 'R', "{rcpt_addr}", recipient.address());
                if (!recipientAccepted(milter, recipient.address(), protocol)) {
                    refused.add(recipient.address());
                }
            }
            if (refused.size() == envelope.recipients().size()) {
                throw new Decided(new ContentVerdict.Reject(Replies.CONTENT_REJECTED, "milter"));
            }
        }
        if ((protocol & SMFIP_NODATA) == 0) {
            step(milter, 'T', new byte[0], protocol, SMFIP_NR_DATA);
        }
        if ((protocol & SMFIP_NOHDRS) == 0) {
            boolean leadingSpace = (protocol & SMFIP_HDR_LEADSPC) != 0;
            for (HeaderField field : message.headers()) {
                step(milter, 'L', strings(field.name(), headerValue(field.raw(), field.name().length(), leadingSpace)), protocol, SMFIP_NR_HDR);
            }
        }
        if ((protocol & SMFIP_NOEOH) == 0) {
            step(milter, 'N', new byte[0], protocol, SMFIP_NR_EOH);
        }
        if ((protocol & SMFIP_NOBODY) == 0) {
            sendBody(milter, message, protocol);
        }
        macros(milter, negotiated, 'E', "i", envelope.queueId());
        milter.send('E', new byte[0]);
        return endOfMessage(milter, actions, protocol, refused, envelope.smtpUtf8());
    }

    /** Sends one command and, unless the milter said it will not answer, handles its answer. */
    private static void step(MilterConnection milter, char command, byte[] data, int protocol, int noReply)
            throws IOException, Decided {
        milter.send(command, data);
        if ((protocol & noReply) == 0) {
            answer(milter);
        }
    }

    /** An intermediate answer: go on, or the milter's final word. Returns true for SKIP. */
    private static boolean answer(MilterConnection milter) throws IOException, Decided {
        while (true) {
            Packet reply = milter.read();
            switch (reply.command()) {
                case 'c' -> {
                    return false;
                }
                case 's' -> {
                    return true;
                }
                case 'p' -> {
                    // progress: the milter is still working; the step's budget still bounds the wait
                }
                case 'a' -> throw new Decided(ContentVerdict.ACCEPT);
                default -> throw new Decided(finalVerdict(reply));
            }
        }
    }

    private static boolean recipientAccepted(MilterConnection milter, String recipient, int protocol)
            throws IOException, Decided {
        milter.send('R', strings("<" + recipient + ">"));
        if ((protocol & SMFIP_NR_RCPT) != 0) {
            return true;
        }
        Packet reply = milter.read();
        while (reply.command() == 'p') {
            reply = milter.read();
        }
        return switch (reply.command()) {
            case 'c', 'a', 's' -> true;
            case 'r', 't', 'y' -> false; // a refused recipient leaves the transaction, as an RCPT refusal would
            default -> {
                throw new Decided(finalVerdict(reply));
            }
        };
    }

    private static void sendBody(MilterConnection milter, ContentMessage message, int protocol) throws IOException, Decided {
        try (InputStream body = message.openAfterHeaders()) {
            skipSeparator(body);
            byte[] chunk = new byte[MAX_BODY_CHUNK];
            int n;
            while ((n = body.readNBytes(chunk, 0, chunk.length)) > 0) {
                milter.send('B', java.util.Arrays.copyOf(chunk, n));
                if ((protocol & SMFIP_NR_BODY) == 0 && answer(milter)) {
                    return; // SKIP: the milter has seen enough of the body
                }
            }
        }
    }

    /** Reads past the empty line that separates header and body, if it is there. */
    private static void skipSeparator(InputStream body) throws IOException {
        body.mark(2);
        if (body.read() == '\r' && body.read() == '\n') {
            return;
        }
        body.reset();
    }

    /** Modification actions, then the final reply to the end of the message. */
    private static ContentVerdict endOfMessage(MilterConnection milter, int actions, int protocol, List<String> refused,
                                               boolean smtpUtf8) throws IOException {
        boolean leadingSpace = (protocol & SMFIP_HDR_LEADSPC) != 0;
        List<MessageEdits.HeaderEdit> headers = new ArrayList<>();
        ByteArrayOutputStream newBody = null;
        String sender = null;
        List<String> added = new ArrayList<>();
        List<String> removed = new ArrayList<>(refused);
        String quarantine = null;
        while (true) {
            Packet packet = milter.read();
            char command = packet.command();
            switch (command) {
                case 'h' -> {
                    require(actions, SMFIF_ADDHDRS, command);
                    List<byte[]> s = packet.strings(0);
                    headers.add(new MessageEdits.HeaderEdit.Append(field(s, leadingSpace)));
                }
                case 'i' -> {
                    require(actions, SMFIF_ADDHDRS, command);
                    List<byte[]> s = packet.strings(4);
                    headers.add(new MessageEdits.HeaderEdit.Insert(packet.intAt(0), field(s, leadingSpace)));
                }
                case 'm' -> {
                    require(actions, SMFIF_CHGHDRS, command);
                    List<byte[]> s = packet.strings(4);
                    String name = new String(s.get(0), StandardCharsets.US_ASCII);
                    boolean delete = s.size() < 2 || s.get(1).length == 0;
                    headers.add(new MessageEdits.HeaderEdit.Change(name, Math.max(1, packet.intAt(0)),
                            delete ? null : field(s, leadingSpace)));
                }
                case 'b' -> {
                    require(actions, SMFIF_CHGBODY, command);
                    if (newBody == null) {
                        newBody = new ByteArrayOutputStream();
                    }
                    newBody.writeBytes(packet.data());
                }
                case 'e' -> {
                    require(actions, SMFIF_CHGFROM, command);
                    sender = path(packet.string(0), true, smtpUtf8);
                }
                case '+', '2' -> {
                    require(actions, command == '+' ? SMFIF_ADDRCPT : SMFIF_ADDRCPT_PAR, command);
                    added.add(path(packet.string(0), false, smtpUtf8));
                }
                case '-' -> {
                    require(actions, SMFIF_DELRCPT, command);
                    removed.add(path(packet.string(0), false, smtpUtf8));
                }
                case 'q' -> {
                    require(actions, SMFIF_QUARANTINE, command);
                    quarantine = "milter: " + RulesCheck.printable(packet.string(0));
                }
                case 'p' -> {
                    // still working
                }
                case 'a', 'c' -> {
                    MessageEdits.EnvelopeEdits envelope = sender == null && added.isEmpty() && removed.isEmpty()
                            ? null : new MessageEdits.EnvelopeEdits(sender, added, removed);
                    MessageEdits.Body body = newBody == null ? null : bodyWriter(newBody.toByteArray());
                    MessageEdits edits = new MessageEdits(headers, body, null, envelope);
                    return quarantine != null ? new ContentVerdict.Quarantine(quarantine, edits) : new ContentVerdict.Accept(edits);
                }
                default -> {
                    return finalVerdict(packet);
                }
            }
        }
    }

    private static void require(int actions, int action, char command) throws IOException {
        if ((actions & action) == 0) {
            throw new IOException("milter sent '" + command + "' without negotiating that action");
        }
    }

    private static HeaderField field(List<byte[]> strings, boolean leadingSpace) throws IOException {
        if (strings.size() < 2) {
            throw new IOException("milter sent a header without a value");
        }
        String name = new String(strings.get(0), StandardCharsets.US_ASCII);
        if (!name.matches("[!-9;-~]+")) {
            throw new IOException("milter sent an invalid header name \"" + RulesCheck.printable(name) + "\"");
        }
        return HeaderField.folded(name, strings.get(1), !leadingSpace);
    }

    /** The replacement body, with the separating empty line first and every line end a CRLF. */
    private static MessageEdits.Body bodyWriter(byte[] body) {
        return out -> {
            out.write(new byte[] {'\r', '\n'});
            for (int i = 0; i < body.length; i++) {
                byte b = body[i];
                if (b == '\n' && (i == 0 || body[i - 1] != '\r')) {
                    out.write('\r');
                } else if (b == '\r' && (i + 1 == body.length || body[i + 1] != '\n')) {
                    out.write(new byte[] {'\r', '\n'});
                    continue;
                }
                out.write(b);
            }
        };
    }

    /** REJECT, TEMPFAIL, DISCARD or REPLYCODE. */
    private static ContentVerdict finalVerdict(Packet packet) {
        return switch (packet.command()) {
            case 'r' -> new ContentVerdict.Reject(Replies.CONTENT_REJECTED, "milter");
            case 't' -> new ContentVerdict.Tempfail(Replies.CONTENT_TEMPFAIL, "milter");
            case 'd' -> new ContentVerdict.Discard("milter");
            case 'y' -> {
                Reply reply = replyCode(packet.string(0));
                yield reply.isTransient() ? new ContentVerdict.Tempfail(reply, "milter") : new ContentVerdict.Reject(reply, "milter");
            }
            default -> new ContentVerdict.Tempfail(Replies.CONTENT_CHECK_UNAVAILABLE, "milter-protocol");
        };
    }

    /** "550 5.7.1 text" (only its first line, see {@link MilterProtocol#reply}); anything else becomes our generic refusal. */
    static Reply replyCode(String text) {
        Reply reply = MilterProtocol.reply(text);
        return reply == null ? Replies.CONTENT_REJECTED : reply;
    }

    /**
     * An address the milter gives for the envelope, read by the parser of MAIL FROM and RCPT TO
     * (RFC 5321 §4.1.2, RFC 6531), with or without its angle brackets; its ESMTP parameters come
     * in a string of their own, so none may follow it here. What the session would refuse from a
     * client is a failure of the milter (the step's failure mode applies), never an envelope
     * address. Returns the address as the envelope stores it ("" for the null reverse-path).
     */
    static String path(String path, boolean reversePath, boolean smtpUtf8) throws IOException {
        String text = path.startsWith("<") ? path : "<" + path + ">";
        String what = reversePath ? "sender" : "recipient";
        try {
            PathParser.ParsedPath parsed = reversePath ? PathParser.parseMailFrom("FROM:" + text)
                    : PathParser.parseRcptTo("TO:" + text);
            if (!parsed.parameterText().isEmpty()) {
                throw new SyntaxException("unexpected text after the address");
            }
            Mailbox mailbox = parsed.mailbox();
            if (mailbox != null && mailbox.needsSmtpUtf8() && !smtpUtf8) {
                throw new SyntaxException("a UTF-8 address in a transaction without SMTPUTF8");
            }
            return mailbox == null ? "" : mailbox.toString();
        } catch (SyntaxException e) {
            throw new IOException("milter sent an invalid " + what + " \"" + RulesCheck.printable(path) + "\": "
                    + e.getMessage());
        }
    }

    /** A macro packet: these names (or those the milter asked for at this stage) and their values; null values are left out. */
    private static void macros(MilterConnection milter, MilterProtocol.Negotiated negotiated, char stage, Object... pairs)
            throws IOException {
        List<String> names = new ArrayList<>();
        java.util.Map<String, String> values = new java.util.HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            names.add((String) pairs[i]);
            if (pairs[i + 1] != null) {
                values.put(macroName((String) pairs[i]), String.valueOf(pairs[i + 1]));
            }
        }
        MilterProtocol.macros(milter, stage, negotiated, names, values::get);
    }
}
