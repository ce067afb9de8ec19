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
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
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
 * <p>Every step has a deadline (RFC 5321 §4.5.3.2, the connector's {@code timeouts}): the whole
 * greeting, each whole reply, each write, the TLS handshake. SO_TIMEOUT (through
 * {@link SmtpInput#startDeadline}) ends a silent wait; the {@link DeadlineWatchdog} ends what
 * SO_TIMEOUT cannot (a trickled reply under TLS, a blocked write, a stalled handshake). A step that
 * misses its deadline is a {@link TimedOut}: the caller records a temporary failure and the
 * connection is closed without QUIT.
 */
final class SmtpClient implements Closeable {
    /** The wait for QUIT's reply and for a TLS close when we hang up. */
    private static final Duration GOODBYE = Duration.ofSeconds(2);

    private final NextHop hop;
    private final ConnectorConfig.Timeouts timeouts;
    private final String heloName;
    private Socket tcp; // the TCP connection; under TLS the watchdog closes this one, never the TLS socket
    private Socket socket; // what we read and write: tcp, or the TLS socket over it
    private DeadlineWatchdog.Guard guard;
    private SmtpInput input;
    private ReplyReader replies;
    private OutputStream out;
    private Duration writeTimeout;
    private String writing = "a command";
    private final Set<String> extensions = new HashSet<>();
    private boolean tls;
    private boolean broken;
    private long lastUsedNanos = System.nanoTime();
    private Runnable onClose = () -> { };
    private boolean closed;

    /** A step that missed its deadline; the message says which step and after how long. */
    static final class TimedOut extends IOException {
        TimedOut(String message) {
            super(message);
        }
    }

    private SmtpClient(NextHop hop, ConnectorConfig.SmtpOptions options, String heloName) {
        this.hop = hop;
        this.timeouts = options.timeouts();
        this.heloName = heloName;
        this.writeTimeout = timeouts.command();
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
            socket.connect(hop.socketAddress(), millis(client.timeouts.connect()));
            socket.setTcpNoDelay(true);
            client.guard = DeadlineWatchdog.register(socket);
            client.attach(socket);
            Reply greeting = client.read(client.timeouts.greeting(), "the greeting");
            if (!greeting.isPositive()) {
                throw new NextHopException(greeting);
            }
            client.hello();
            return client;
        } catch (IOException | NextHopException | RuntimeException e) {
            client.broken = true;
            client.close();
            throw e;
        }
    }

    private void attach(Socket newSocket) throws IOException {
        socket = newSocket;
        if (input == null) {
            input = new SmtpInput(newSocket.getInputStream(), millis -> socket.setSoTimeout(millis));
            replies = new ReplyReader(input);
        } else {
            // Anything the server sent before the handshake is not trusted (RFC 3207 §4.2).
            input.replaceStream(newSocket.getInputStream());
        }
        out = new BufferedOutputStream(new GuardedOutput(newSocket.getOutputStream()), 16 * 1024);
    }

    private static int millis(Duration timeout) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    }

    /** Reads one reply, all of it within {@code timeout}. */
    private Reply read(Duration timeout, String awaited) throws IOException {
        input.startDeadline(timeout.toMillis());
        guard.arm(timeout);
        try {
            return replies.read();
        } catch (IOException e) {
            throw failed(e, timeout, "waiting for " + awaited);
        } finally {
            guard.disarm();
        }
    }

    /** Marks the connection unusable; a missed deadline becomes a {@link TimedOut} naming the step. */
    private IOException failed(IOException e, Duration timeout, String step) {
        broken = true;
        if (e instanceof SocketTimeoutException || guard.fired()) {
            return new TimedOut("timed out after " + timeout.toString().substring(2).toLowerCase(Locale.ROOT) + " " + step);
        }
        return e;
    }

    /**
     * The socket's output with a deadline on each write: a next hop that stops reading cannot
     * block us longer than the write timeout of the step ({@code command} or {@code data-block}).
     */
    private final class GuardedOutput extends FilterOutputStream {
        GuardedOutput(OutputStream socketOutput) {
            super(socketOutput);
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            guard.arm(writeTimeout);
            try {
                out.write(bytes, offset, length);
            } catch (IOException e) {
                throw failed(e, writeTimeout, "sending " + writing);
            } finally {
                guard.disarm();
            }
        }

        @Override
        public void flush() throws IOException {
            guard.arm(writeTimeout);
            try {
                out.flush();
            } catch (IOException e) {
                throw failed(e, writeTimeout, "sending " + writing);
            } finally {
                guard.disarm();
            }
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

    NextHop hop() {
        return hop;
    }

    /**
     * STARTTLS, the handshake, then EHLO again. With {@code verifyHost} the certificate must name
     * the next hop's host name. Failure leaves the connection unusable.
     */
    void startTls(SSLContext context, boolean verifyHost) throws IOException, NextHopException {
        Reply reply = command("STARTTLS", "STARTTLS");
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
        ssl.setSoTimeout(millis(timeouts.command()));
        guard.arm(timeouts.command());
        try {
            ssl.startHandshake();
        } catch (IOException e) {
            throw failed(e, timeouts.command(), "in the TLS handshake");
        } finally {
            guard.disarm();
        }
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
            write(mail);
            for (String rcpt : rcpts) {
                write(rcpt);
            }
            write("DATA");
            out.flush();
            mailReply = read(timeouts.command(), "the reply to MAIL FROM");
            for (int i = 0; i < rcpts.size(); i++) {
                rcptReplies.add(read(timeouts.command(), "the reply to RCPT TO"));
            }
            dataReply = read(timeouts.command(), "the reply to DATA");
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
            read(timeouts.finalReply(), "the reply after an empty message");
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
        Reply finalReply = read(timeouts.finalReply(), "the reply after the message");
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
        if (dsn && recipient.originalRecipient() != null) {
            int semicolon = recipient.originalRecipient().indexOf(';');
            rcpt.append(" ORCPT=").append(recipient.originalRecipient(), 0, semicolon + 1)
                    .append(Xtext.encode(recipient.originalRecipient().substring(semicolon + 1)));
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
        writeTimeout = timeouts.dataBlock();
        writing = "the message";
        try {
            DotStuffingOutputStream stuffed = new DotStuffingOutputStream(out);
            content.writeTo(stuffed);
            stuffed.finish();
        } finally {
            writeTimeout = timeouts.command();
            writing = "a command";
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
        write(line);
        out.flush();
        return read(timeouts.command(), "the reply to " + verb);
    }

    private void write(String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    /**
     * QUIT politely (within a short deadline), then close; never throws. A connection that failed
     * or timed out is closed at once, at the TCP level: a TLS close could block on a peer that
     * stopped reading.
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
        if (!broken && guard != null) {
            try {
                writeTimeout = GOODBYE;
                write("QUIT");
                out.flush();
                read(GOODBYE, "the reply to QUIT");
                guard.arm(GOODBYE);
                socket.close(); // a TLS close_notify
            } catch (IOException | RuntimeException ignored) {
                // closing anyway
            }
        }
        if (guard != null) {
            guard.close();
        }
        try {
            tcp.close();
        } catch (IOException ignored) {
            // closed
        }
    }
}
