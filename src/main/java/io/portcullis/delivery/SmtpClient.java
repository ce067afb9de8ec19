package io.portcullis.delivery;

import io.portcullis.smtp.Replies;
import io.portcullis.config.ConnectorConfig;
import io.portcullis.smtp.DotStuffingOutputStream;
import io.portcullis.smtp.Mailbox;
import io.portcullis.smtp.Reply;
import io.portcullis.smtp.ReplyReader;
import io.portcullis.smtp.SmtpInput;
import io.portcullis.smtp.Xtext;
import io.portcullis.spool.Envelope;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
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
 */
final class SmtpClient implements Closeable {
    private final NextHop hop;
    private final ConnectorConfig.SmtpOptions options;
    private final String heloName;
    private Socket socket;
    private SmtpInput input;
    private ReplyReader replies;
    private OutputStream out;
    private final Set<String> extensions = new HashSet<>();
    private boolean tls;
    private long lastUsedNanos = System.nanoTime();
    private Runnable onClose = () -> { };
    private boolean closed;

    private SmtpClient(NextHop hop, ConnectorConfig.SmtpOptions options, String heloName) {
        this.hop = hop;
        this.options = options;
        this.heloName = heloName;
    }

    /** Connects, reads the greeting and says EHLO (or HELO when EHLO is refused). */
    static SmtpClient connect(NextHop hop, ConnectorConfig.SmtpOptions options, String heloName)
            throws IOException, NextHopException {
        SmtpClient client = new SmtpClient(hop, options, heloName);
        Socket socket = new Socket();
        try {
            if (options.sourceAddress() != null) {
                socket.bind(new InetSocketAddress(options.sourceAddress(), 0));
            }
            socket.connect(hop.socketAddress(), (int) options.connectTimeout().toMillis());
            socket.setTcpNoDelay(true);
            client.attach(socket);
            Reply greeting = client.replies.read();
            if (!greeting.isPositive()) {
                throw new NextHopException(greeting);
            }
            client.hello();
            return client;
        } catch (IOException | NextHopException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private void attach(Socket newSocket) throws IOException {
        socket = newSocket;
        socket.setSoTimeout((int) options.commandTimeout().toMillis());
        if (input == null) {
            input = new SmtpInput(newSocket.getInputStream(), millis -> socket.setSoTimeout(millis));
            replies = new ReplyReader(input);
        } else {
            // Anything the server sent before the handshake is not trusted (RFC 3207 §4.2).
            input.replaceStream(newSocket.getInputStream());
        }
        out = new BufferedOutputStream(newSocket.getOutputStream(), 16 * 1024);
    }

    private void hello() throws IOException, NextHopException {
        Reply reply = command("EHLO " + heloName);
        extensions.clear();
        if (reply.code() >= 500) {
            reply = command("HELO " + heloName);
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

    NextHop hop() {
        return hop;
    }

    /**
     * STARTTLS, the handshake, then EHLO again. With {@code verifyHost} the certificate must name
     * the next hop's host name. Failure leaves the connection unusable.
     */
    void startTls(SSLContext context, boolean verifyHost) throws IOException, NextHopException {
        Reply reply = command("STARTTLS");
        if (reply.code() != 220) {
            throw new NextHopException(reply);
        }
        SSLSocket ssl = (SSLSocket) context.getSocketFactory().createSocket(socket, hop.hostName(), hop.port(), true);
        ssl.setUseClientMode(true);
        ssl.setEnabledProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
        if (verifyHost) {
            SSLParameters parameters = ssl.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            ssl.setSSLParameters(parameters);
        }
        ssl.startHandshake();
        attach(ssl);
        tls = true;
        hello();
    }

    /** AUTH PLAIN (RFC 4616) or LOGIN; false when the server refuses the credentials. */
    boolean authenticate(String username, String password) throws IOException, NextHopException {
        Base64.Encoder base64 = Base64.getEncoder();
        Reply reply;
        if (offers("AUTH=PLAIN")) {
            byte[] plain = ("\0" + username + "\0" + password).getBytes(StandardCharsets.UTF_8);
            reply = command("AUTH PLAIN " + base64.encodeToString(plain));
        } else if (offers("AUTH=LOGIN")) {
            reply = command("AUTH LOGIN");
            if (reply.code() == 334) {
                reply = command(base64.encodeToString(username.getBytes(StandardCharsets.UTF_8)));
            }
            if (reply.code() == 334) {
                reply = command(base64.encodeToString(password.getBytes(StandardCharsets.UTF_8)));
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
        byte[] converted = null;
        if (!offers("8BITMIME") && SevenBitConverter.isEightBit(job.message())) {
            converted = SevenBitConverter.convert(job.message());
            if (converted == null) {
                return RecipientResult.allOf(job.recipients(), Replies.CANNOT_CONVERT, null);
            }
        }
        Envelope envelope = job.envelope();
        List<Envelope.Recipient> recipients = job.recipients();
        boolean dsn = offers("DSN");
        StringBuilder mail = new StringBuilder("MAIL FROM:<").append(envelope.sender()).append('>');
        if (offers("SIZE")) {
            mail.append(" SIZE=").append(converted == null ? envelope.size() : converted.length);
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
        List<String> rcpts = new ArrayList<>();
        for (Envelope.Recipient recipient : recipients) {
            StringBuilder rcpt = new StringBuilder("RCPT TO:<").append(recipient.address()).append('>');
            if (dsn && !recipient.notifyOn().isEmpty()) {
                rcpt.append(" NOTIFY=").append(String.join(",", recipient.notifyOn()));
            }
            if (dsn && recipient.originalRecipient() != null) {
                int semicolon = recipient.originalRecipient().indexOf(';');
                rcpt.append(" ORCPT=").append(recipient.originalRecipient(), 0, semicolon + 1)
                        .append(Xtext.encode(recipient.originalRecipient().substring(semicolon + 1)));
            }
            rcpts.add(rcpt.toString());
        }
        lastUsedNanos = System.nanoTime();
        boolean pipelining = offers("PIPELINING");
        Reply mailReply;
        List<Reply> rcptReplies = new ArrayList<>();
        Reply dataReply;
        if (pipelining) {
            write(mail.toString());
            for (String rcpt : rcpts) {
                write(rcpt);
            }
            write("DATA");
            out.flush();
            mailReply = replies.read();
            for (int i = 0; i < rcpts.size(); i++) {
                rcptReplies.add(replies.read());
            }
            dataReply = replies.read();
        } else {
            mailReply = command(mail.toString());
            if (!mailReply.isPositive()) {
                return RecipientResult.allOf(recipients, mailReply, null);
            }
            for (String rcpt : rcpts) {
                rcptReplies.add(command(rcpt));
            }
            dataReply = rcptReplies.stream().anyMatch(Reply::isPositive) ? command("DATA") : null;
        }
        if (dataReply != null && dataReply.code() == 354 && (!mailReply.isPositive()
                || rcptReplies.stream().noneMatch(Reply::isPositive))) {
            endData(OutputStream::flush); // a server that said 354 with nothing accepted gets an empty message end
            replies.read();
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
        byte[] sevenBit = converted;
        endData(stream -> {
            if (sevenBit != null) {
                stream.write(sevenBit);
                return;
            }
            try (InputStream message = job.message().open()) {
                message.transferTo(stream);
            }
        });
        socket.setSoTimeout((int) options.dataTimeout().toMillis());
        Reply finalReply = replies.read();
        socket.setSoTimeout((int) options.commandTimeout().toMillis());
        lastUsedNanos = System.nanoTime();
        for (Envelope.Recipient recipient : accepted) {
            RecipientResult result = RecipientResult.of(recipient.address(), finalReply, hop.toString());
            results.add(new RecipientResult(result.recipient(), result.outcome(), finalReply, result.remoteHost(),
                    dsn && !recipient.notifyOn().isEmpty()));
        }
        return results;
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

    private void endData(ContentWriter content) throws IOException {
        DotStuffingOutputStream stuffed = new DotStuffingOutputStream(out);
        content.writeTo(stuffed);
        stuffed.finish();
    }

    /** RSET after a failed transaction; false when the connection is no good any more. */
    boolean reset() {
        try {
            return command("RSET").isPositive();
        } catch (IOException e) {
            return false;
        }
    }

    long idleNanos() {
        return System.nanoTime() - lastUsedNanos;
    }

    private Reply command(String line) throws IOException {
        write(line);
        out.flush();
        return replies.read();
    }

    private void write(String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    /** QUIT politely, then close; never throws. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        onClose.run();
        try {
            socket.setSoTimeout(2000);
            write("QUIT");
            out.flush();
            replies.read();
        } catch (IOException | RuntimeException ignored) {
            // closing anyway
        }
        try {
            socket.close();
        } catch (IOException ignored) {
            // closed
        }
    }
}
