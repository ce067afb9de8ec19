package io.portcullis.delivery;

import io.portcullis.smtp.Replies;
import io.portcullis.config.ConnectorConfig;
import io.portcullis.smtp.DotStuffingOutputStream;
import io.portcullis.smtp.Mailbox;
import io.portcullis.smtp.Reply;
import io.portcullis.smtp.RecipientParameters;
import io.portcullis.smtp.Xtext;
import io.portcullis.spool.Envelope;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * One SMTP client connection to a next hop (RFC 5321 §3, §4): greeting, EHLO with fallback to
 * HELO, STARTTLS (RFC 3207), AUTH PLAIN/LOGIN (RFC 4954), and mail transactions with PIPELINING
 * (RFC 2920), SIZE, 8BITMIME, SMTPUTF8 and DSN parameters. An 8-bit message for a server without
 * 8BITMIME is converted to 7 bit first ({@link SevenBitConverter}). A connection that ends a
 * transaction cleanly can carry the next message.
 *
 * <p>Every step has a deadline (RFC 5321 §4.5.3.2, the connector's {@code timeouts}), kept by the
 * {@link NextHopChannel}: the whole greeting, each whole reply, each write, the TLS handshake. A
 * step that misses its deadline is a {@link NextHopChannel.TimedOut}: the caller records a
 * temporary failure and the connection is closed without QUIT.
 */
final class SmtpClient implements Closeable {
    /** The wait for QUIT's reply and for a TLS close when we hang up. */
    private static final Duration GOODBYE = Duration.ofSeconds(2);

    private final NextHop hop;
    private final ConnectorConfig.Timeouts timeouts;
    private final String heloName;
    private Socket tcp;
    private NextHopChannel channel;
    private final Set<String> extensions = new HashSet<>();
    private boolean tls;
    private TlsRequirement requirement;
    private TlsOutcome tlsOutcome = TlsOutcome.PLAIN;
    private long lastUsedNanos = System.nanoTime();
    private Runnable onClose = () -> { };
    private boolean closed;

    private SmtpClient(NextHop hop, ConnectorConfig.SmtpOptions options, String heloName) {
        this.hop = hop;
        this.timeouts = options.timeouts();
        this.heloName = heloName;
    }

    /** Connects, reads the greeting and says EHLO (or HELO when EHLO is refused). */
    static SmtpClient connect(NextHop hop, ConnectorConfig.SmtpOptions options, String heloName)
            throws IOException, NextHopException {
        SmtpClient client = new SmtpClient(hop, options, heloName);
        Socket socket = new Socket();
        client.tcp = socket;
        try {
            if (options.sourceAddress() != null) {
                socket.bind(new InetSocketAddress(options.sourceAddress(), 0));
            }
            socket.connect(hop.socketAddress(), NextHopChannel.millis(client.timeouts.connect()));
            socket.setTcpNoDelay(true);
            client.channel = new NextHopChannel(socket, client.timeouts.command());
            Reply greeting = client.channel.read(client.timeouts.greeting(), "the greeting");
            if (!greeting.isPositive()) {
                throw new NextHopException(greeting);
            }
            client.hello();
            return client;
        } catch (IOException | NextHopException | RuntimeException e) {
            if (client.channel != null) {
                client.channel.markBroken();
            }
            client.close();
            throw e;
        }
    }

    private void hello() throws IOException, NextHopException {
        Reply reply = command("EHLO " + heloName, "EHLO");
        extensions.clear();
        if (reply.code() >= 500) {
            reply = command("HELO " + heloName, "HELO");
        } else if (reply.isPositive()) {
            for (String line : reply.lines().subList(1, reply.lines().size())) {
                extensions.add(line.split(" ", 2)[0].toUpperCase(Locale.ROOT));
                if (line.toUpperCase(Locale.ROOT).startsWith("AUTH ")) {
                    for (String mechanism : line.substring(5).toUpperCase(Locale.ROOT).split(" ")) {
                        extensions.add("AUTH=" + mechanism);
                    }
                }
            }
        }
        if (!reply.isPositive()) {
            throw new NextHopException(reply);
        }
    }

    /** Runs once when the connection closes (the connector's open-connections gauge). */
    void onClose(Runnable action) {
        this.onClose = action;
    }

    boolean offers(String extension) {
        return extensions.contains(extension);
    }

    boolean isTls() {
        return tls;
    }

    /** What the connection was opened to satisfy, and how TLS turned out (set by the connector). */
    void secured(TlsRequirement requirement, TlsOutcome outcome) {
        this.requirement = requirement;
        this.tlsOutcome = outcome;
    }

    TlsRequirement requirement() {
        return requirement;
    }

    TlsOutcome tlsOutcome() {
        return tlsOutcome;
    }

    NextHop hop() {
        return hop;
    }

    /**
     * STARTTLS, the handshake, then EHLO again. With {@code verifyHost} the certificate must name
     * the next hop's host name. Failure leaves the connection unusable. Returns the session
     * (protocol and cipher suite).
     */
    javax.net.ssl.SSLSession startTls(SSLContext context, boolean verifyHost) throws IOException, NextHopException {
        Reply reply = command("STARTTLS", "STARTTLS");
        if (reply.code() != 220) {
            throw new NextHopException(reply);
        }
        SSLSocket ssl = (SSLSocket) context.getSocketFactory().createSocket(channel.socket(), hop.hostName(), hop.port(), true);
        ssl.setUseClientMode(true);
        ssl.setEnabledProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
        if (verifyHost) {
            SSLParameters parameters = ssl.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            ssl.setSSLParameters(parameters);
        }
        channel.startTls(ssl, timeouts.command());
        tls = true;
        hello();
        return ssl.getSession();
    }

    /** AUTH PLAIN (RFC 4616) or LOGIN; false when the server refuses the credentials. */
    boolean authenticate(String username, String password) throws IOException, NextHopException {
        Base64.Encoder base64 = Base64.getEncoder();
        Reply reply;
        if (offers("AUTH=PLAIN")) {
            byte[] plain = ("\0" + username + "\0" + password).getBytes(StandardCharsets.UTF_8);
            reply = command("AUTH PLAIN " + base64.encodeToString(plain), "AUTH");
        } else if (offers("AUTH=LOGIN")) {
            reply = command("AUTH LOGIN", "AUTH");
            if (reply.code() == 334) {
                reply = command(base64.encodeToString(username.getBytes(StandardCharsets.UTF_8)), "AUTH");
            }
            if (reply.code() == 334) {
                reply = command(base64.encodeToString(password.getBytes(StandardCharsets.UTF_8)), "AUTH");
            }
        } else {
            throw new NextHopException(Replies.NEXT_HOP_AUTH_FAILED.withText("The smarthost offers neither AUTH PLAIN nor LOGIN"));
        }
        return reply.code() == 235;
    }

    /**
     * One mail transaction for the job's recipients; the results say what the server answered for
     * each. An {@link IOException} means the connection broke: the caller defers what is open.
     */
    List<RecipientResult> send(DeliveryJob job) throws IOException {
        if (offers("8BITMIME") || !SevenBitConverter.isEightBit(job.message())) {
            return transaction(job, null);
        }
        try (SevenBitConverter.Converted converted = SevenBitConverter.convert(job.message())) {
            if (converted == null) {
                return RecipientResult.allOf(job.recipients(), Replies.CANNOT_CONVERT, null);
            }
            return transaction(job, converted);
        }
    }

    /** MAIL, RCPT, DATA (pipelined when offered), the content (converted to 7 bit when given), the final reply. */
    private List<RecipientResult> transaction(DeliveryJob job, SevenBitConverter.Converted converted) throws IOException {
        Envelope envelope = job.envelope();
        List<Envelope.Recipient> recipients = job.recipients();
        boolean dsn = offers("DSN");
        String mail = mailCommand(envelope, converted == null ? envelope.size() : converted.size(), dsn);
        List<String> rcpts = new ArrayList<>();
        for (Envelope.Recipient recipient : recipients) {
            rcpts.add(rcptCommand(recipient, dsn));
        }
        lastUsedNanos = System.nanoTime();
        Reply mailReply;
        List<Reply> rcptReplies = new ArrayList<>();
        Reply dataReply;
        if (offers("PIPELINING")) {
            channel.write(mail);
            for (String rcpt : rcpts) {
                channel.write(rcpt);
            }
            channel.write("DATA");
            channel.flush();
            mailReply = channel.read(timeouts.command(), "the reply to MAIL FROM");
            for (int i = 0; i < rcpts.size(); i++) {
                rcptReplies.add(channel.read(timeouts.command(), "the reply to RCPT TO"));
            }
            dataReply = channel.read(timeouts.command(), "the reply to DATA");
        } else {
            mailReply = command(mail, "MAIL FROM");
            if (!mailReply.isPositive()) {
                return RecipientResult.allOf(recipients, mailReply, null);
            }
            for (String rcpt : rcpts) {
                rcptReplies.add(command(rcpt, "RCPT TO"));
            }
            dataReply = rcptReplies.stream().anyMatch(Reply::isPositive) ? command("DATA", "DATA") : null;
        }
        if (dataReply != null && dataReply.code() == 354 && (!mailReply.isPositive()
                || rcptReplies.stream().noneMatch(Reply::isPositive))) {
            endData(OutputStream::flush); // a server that said 354 with nothing accepted gets an empty message end
            channel.read(timeouts.finalReply(), "the reply after an empty message");
        }
        if (!mailReply.isPositive()) {
            reset();
            return RecipientResult.allOf(recipients, mailReply, null);
        }
        List<RecipientResult> results = new ArrayList<>();
        List<Envelope.Recipient> accepted = new ArrayList<>();
        for (int i = 0; i < recipients.size(); i++) {
            if (rcptReplies.get(i).isPositive()) {
                accepted.add(recipients.get(i));
            } else {
                results.add(RecipientResult.of(recipients.get(i).address(), rcptReplies.get(i), hop.toString()));
            }
        }
        if (accepted.isEmpty()) {
            reset();
            return results;
        }
        if (dataReply.code() != 354) {
            reset();
            results.addAll(RecipientResult.allOf(accepted, dataReply, null));
            return results;
        }
        endData(stream -> {
            if (converted != null) {
                converted.writeTo(stream);
                return;
            }
            try (InputStream message = job.message().open()) {
                message.transferTo(stream);
            }
        });
        Reply finalReply = channel.read(timeouts.finalReply(), "the reply after the message");
        lastUsedNanos = System.nanoTime();
        for (Envelope.Recipient recipient : accepted) {
            RecipientResult result = RecipientResult.of(recipient.address(), finalReply, hop.toString());
            results.add(new RecipientResult(result.recipient(), result.outcome(), finalReply, result.remoteHost(),
                    dsn && !recipient.notifyOn().isEmpty()));
        }
        return results;
    }

    private String mailCommand(Envelope envelope, long size, boolean dsn) {
        StringBuilder mail = new StringBuilder("MAIL FROM:<").append(envelope.sender()).append('>');
        if (offers("SIZE")) {
            mail.append(" SIZE=").append(size);
        }
        if ("8BITMIME".equals(envelope.body()) && offers("8BITMIME")) {
            mail.append(" BODY=8BITMIME");
        }
        if (envelope.smtpUtf8() && offers("SMTPUTF8")) {
            mail.append(" SMTPUTF8");
        }
        if (dsn && envelope.dsnReturn() != null) {
            mail.append(" RET=").append(envelope.dsnReturn());
        }
        if (dsn && envelope.dsnEnvelopeId() != null) {
            mail.append(" ENVID=").append(Xtext.encode(envelope.dsnEnvelopeId()));
        }
        return mail.toString();
    }

    private static String rcptCommand(Envelope.Recipient recipient, boolean dsn) {
        StringBuilder rcpt = new StringBuilder("RCPT TO:<").append(recipient.address()).append('>');
        if (dsn && !recipient.notifyOn().isEmpty()) {
            rcpt.append(" NOTIFY=").append(String.join(",", recipient.notifyOn()));
        }
        String orcpt = recipient.originalRecipient();
        if (dsn && orcpt != null && RecipientParameters.admitsStored(orcpt)) { // an old spool record may hold anything
            int semicolon = orcpt.indexOf(';');
            rcpt.append(" ORCPT=").append(orcpt, 0, semicolon + 1);
            if (RecipientParameters.isUtf8Type(orcpt)) {
                rcpt.append(orcpt, semicolon + 1, orcpt.length()); // already utf-8-addr-xtext (RFC 6533 §3)
            } else {
                rcpt.append(Xtext.encode(orcpt.substring(semicolon + 1)));
            }
        }
        return rcpt.toString();
    }

    /** Does this message need SMTPUTF8 to be carried (RFC 6531 §3.2)? Then the next hop must offer it. */
    static boolean needsSmtpUtf8(Envelope envelope) {
        if (!envelope.smtpUtf8()) {
            return false;
        }
        if (!Mailbox.isAscii(envelope.sender())) {
            return true;
        }
        return envelope.recipients().stream().anyMatch(r -> !Mailbox.isAscii(r.address()));
    }

    private interface ContentWriter {
        void writeTo(OutputStream stream) throws IOException;
    }

    /** The content, dot-stuffed, and its end; each write within {@code data-block}. */
    private void endData(ContentWriter content) throws IOException {
        try {
            DotStuffingOutputStream stuffed = new DotStuffingOutputStream(channel.writingMessage(timeouts.dataBlock()));
            content.writeTo(stuffed);
            stuffed.finish();
        } finally {
            channel.writingCommands(timeouts.command());
        }
    }

    /** RSET after a failed transaction; false when the connection is no good any more. */
    boolean reset() {
        try {
            return command("RSET", "RSET").isPositive();
        } catch (IOException e) {
            return false;
        }
    }

    long idleNanos() {
        return System.nanoTime() - lastUsedNanos;
    }

    private Reply command(String line, String verb) throws IOException {
        channel.write(line);
        channel.flush();
        return channel.read(timeouts.command(), "the reply to " + verb);
    }

    /**
     * QUIT politely (within a short deadline), then close; never throws. A connection that failed
     * or timed out is closed at once (see {@link NextHopChannel#close}).
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        onClose.run();
        if (channel == null) {
            try {
                tcp.close(); // the connection itself failed
            } catch (IOException ignored) {
                // closed
            }
            return;
        }
        if (!channel.isBroken()) {
            try {
                channel.writingCommands(GOODBYE);
                channel.write("QUIT");
                channel.flush();
                channel.read(GOODBYE, "the reply to QUIT");
            } catch (IOException | RuntimeException ignored) {
                // closing anyway
            }
        }
        channel.close(GOODBYE);
    }
}
