package io.portcullis.session;

import io.portcullis.config.ListenerLimits;
import io.portcullis.config.Phase;
import io.portcullis.observe.Telemetry;
import io.portcullis.policy.Verdict;
import io.portcullis.smtp.Mailbox;
import io.portcullis.smtp.PathParser;
import io.portcullis.smtp.Replies;
import io.portcullis.smtp.Reply;
import io.portcullis.smtp.SmtpInput;
import io.portcullis.smtp.SyntaxException;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.List;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SMTP server conversation (RFC 5321 §4), from greeting to close, on its own virtual thread.
 * Blocking I/O and plain sequential code: read a command, look it up in the {@link Command} table,
 * check the state, run the handler, reply. Replies are flushed only when no pipelined input is
 * waiting (RFC 2920 §3.2), so a pipelined group costs one write.
 */
public final class SmtpSession implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(SmtpSession.class);

    final SessionContext context;
    final ListenerLimits limits;
    final ClientConnection client;
    private Socket socket;
    SmtpInput input;
    private volatile OutputStream out; // volatile: shutDown() writes from another thread
    SessionState state = SessionState.GREETED;
    MailTransaction transaction;
    private int errors;
    /** Commands that move no mail (see {@link #isJunk}) since the last accepted message. */
    private int junkCommands;
    private int transactions;
    private final long startNanos = System.nanoTime();
    private boolean closing;
    private final MessageIntake intake;
    final AuthExchange auth;
    private final EnvelopeCommands envelope;
    final PolicyPhases phases;

    public SmtpSession(SessionContext context, Socket socket) {
        this(context, socket, (InetSocketAddress) socket.getRemoteSocketAddress());
    }

    /** @param client the TCP peer, or the client a trusted proxy named in its PROXY header */
    public SmtpSession(SessionContext context, Socket socket, InetSocketAddress client) {
        this.context = context;
        this.limits = context.listener().limits();
        this.socket = socket;
        this.client = new ClientConnection(client);
        this.client.local = socket.getLocalSocketAddress() instanceof InetSocketAddress local ? local : null;
        this.intake = new MessageIntake(this);
        this.auth = new AuthExchange(this);
        this.envelope = new EnvelopeCommands(this);
        this.phases = new PolicyPhases(this, this::clientTalked);
    }

    @Override
    public void run() {
        try {
            serve();
        } catch (SocketTimeoutException e) {
            log.info("{}: timeout from {} in state {}", context.listener().name(), client.address(), state);
            replyAndClose(Replies.TIMEOUT);
        } catch (EOFException e) {
            log.debug("{}: {} disconnected in state {}", context.listener().name(), client.address(), state);
        } catch (IOException e) {
            log.info("{}: connection with {} ended: {}", context.listener().name(), client.address(), e.toString());
        } finally {
            endTransaction();
            phases.state.close();
            try {
                socket.close();
            } catch (IOException ignored) {
                // nothing left to tell the client
            }
        }
    }

    private void serve() throws IOException {
        socket.setTcpNoDelay(true);
        input = new SmtpInput(socket.getInputStream(), millis -> socket.setSoTimeout(millis));
        out = new BufferedOutputStream(socket.getOutputStream(), 2048);
        if (phases.connect()) {
            return;
        }
        send(new Reply(220, null, context.listener().hostname() + " ESMTP Portcullis"));
        out.flush();
        while (!closing) {
            input.startDeadline(limits.commandTimeout().toMillis());
            SmtpInput.Line line = input.readLine(limits.maxLineLength());
            switch (line.status()) {
                case LINE -> handle(line.text());
                case TOO_LONG -> error(Replies.LINE_TOO_LONG);
                case INVALID_UTF8 -> error(Replies.INVALID_UTF8);
                case BARE_LINE_END -> replyAndClose(Replies.BARE_LINE_END_IN_COMMAND);
                case NUL -> replyAndClose(Replies.NUL_IN_COMMAND);
            }
            if (!closing && !input.hasReadAhead()) {
                out.flush(); // replies to a pipelined group go out together (RFC 2920 §3.1)
            }
        }
        out.flush();
    }

    /** For the pregreet check: waits {@code wait}, then tells whether the client has sent anything. */
    private boolean clientTalked(java.time.Duration wait) throws IOException {
        if (wait.toMillis() > 0) {
            try {
                Thread.sleep(wait.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted during the greeting delay");
            }
        }
        return socket.getInputStream().available() > 0;
    }

    /**
     * Tarpitting: sends the replies so far, then waits on this session's own virtual thread
     * (nothing shared is held). Ends early when the connection is closed (shutdown). The command
     * deadline starts after the reply, so the wait takes nothing from the client's time.
     */
    void pause(java.time.Duration delay) throws IOException {
        out.flush();
        long end = System.nanoTime() + delay.toNanos();
        for (long left = delay.toNanos(); left > 0 && !socket.isClosed(); left = end - System.nanoTime()) {
            try {
                Thread.sleep(Math.min(java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(left) + 1, 200));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted during the tarpit delay");
            }
        }
    }

    private void handle(String line) throws IOException {
        int space = line.indexOf(' ');
        String verb = space < 0 ? line : line.substring(0, space);
        String argument = space < 0 ? "" : line.substring(space + 1);
        Command command = Command.lookup(verb);
        if (command == null) {
            if (!overSessionLimits(null)) {
                Verdict.Refusal refusal = phases.state.unknownCommand(line); // a milter may answer it (SMFIC_UNKNOWN)
                error(refusal == null ? Replies.COMMAND_UNRECOGNIZED : refusal.reply());
            }
            return;
        }
        if (command != Command.QUIT && command != Command.STARTTLS && input.hasBufferedInput()
                && (command.endsPipelineGroup() || !client.esmtp)) {
            log.info("{}: {} pipelined after {} without PIPELINING", context.listener().name(), client.address(), command);
            countRejection(Replies.IMPROPER_PIPELINING, "pipelining");
            replyAndClose(Replies.IMPROPER_PIPELINING);
            return;
        }
        if (overSessionLimits(command)) {
            return;
        }
        if (!command.isAllowedIn(state)) {
            if (command == Command.BDAT) {
                intake.skipChunk(argument);
                if (closing) {
                    return;
                }
            }
            error(Replies.BAD_SEQUENCE.withText(command.sequenceError(state)));
            return;
        }
        switch (command) {
            case EHLO -> hello(argument, true);
            case HELO -> hello(argument, false);
            case MAIL -> {
                envelope.mail(argument);
                if (state == SessionState.MAIL) {
                    transactions++;
                } else {
                    junkCommands++; // a refused MAIL moves no mail either (552 for SIZE, 452 for disk space are no errors)
                }
            }
            case RCPT -> envelope.rcpt(argument);
            case DATA -> intake.data(argument);
            case BDAT -> intake.bdat(argument);
            case RSET -> {
                endTransaction();
                state = client.helo == null ? SessionState.GREETED : SessionState.READY;
                send(Replies.OK);
            }
            case NOOP -> send(Replies.OK);
            case QUIT -> replyAndClose(Replies.CLOSING);
            case VRFY -> {
                if (argument.isEmpty()) {
                    error(Replies.SYNTAX_ERROR_IN_PARAMETERS.withText("VRFY needs an argument"));
                } else {
                    send(Replies.CANNOT_VRFY);
                }
            }
            case HELP -> send(Replies.HELP);
            case STARTTLS -> startTls(argument);
            case AUTH -> auth.handle(argument);
        }
    }

    /**
     * The per-session caps against a client that holds a session without moving mail: the session
     * time and the number of transactions (untrusted clients only: an internal application may
     * send its whole batch over one connection), and junk commands (everyone; the count starts
     * over with each accepted message). Over a cap: 421 and close; true when that happened.
     * {@code command} is null for an unknown verb. Checked before each command, so whatever ran
     * over the junk limit after the fact (a refused MAIL) closes the session at the next one.
     */
    private boolean overSessionLimits(Command command) {
        if (command == Command.QUIT) {
            return false;
        }
        Reply over = null;
        if (System.nanoTime() - startNanos > limits.maxSessionTime().toNanos() && !isTrusted()) {
            over = Replies.SESSION_TIME_EXCEEDED;
        } else if ((isJunk(command) ? ++junkCommands : junkCommands) > limits.maxJunkCommands()) {
            over = Replies.TOO_MANY_JUNK_COMMANDS;
        } else if (command == Command.MAIL && transactions >= limits.maxTransactions() && !isTrusted()) {
            over = Replies.TOO_MANY_TRANSACTIONS;
        }
        if (over == null) {
            return false;
        }
        log.info("{}: closing the session with {}: {}", context.listener().name(), client.address(), over);
        countRejection(over, "session-limit");
        replyAndClose(over);
        return true;
    }

    boolean isTrusted() {
        return context.listener().policy().isTrusted(client.remote.getAddress(), client.user != null);
    }

    /**
     * Postfix's junk commands (NOOP, RSET, VRFY, HELP), an unknown verb, EHLO/HELO once the client
     * has greeted, and a RCPT beyond max-recipients (452 is no error, so without this a client
     * could send them forever; Postfix's smtpd_recipient_overshoot_limit). A refused MAIL counts
     * too, after the fact.
     */
    private boolean isJunk(Command command) {
        return command == null || switch (command) {
            case NOOP, RSET, VRFY, HELP -> true;
            case EHLO, HELO -> client.helo != null;
            case RCPT -> transaction != null && transaction.recipients.size() >= limits.maxRecipients();
            default -> false;
        };
    }

    /** A message was accepted: the junk-command count starts over, as in Postfix. */
    void messageAccepted() {
        junkCommands = 0;
    }

    private void hello(String argument, boolean extended) throws IOException {
        try {
            PathParser.parseDomainOrLiteral(argument);
        } catch (SyntaxException e) {
            error(Replies.SYNTAX_ERROR_IN_PARAMETERS.withText(
                    (extended ? "EHLO" : "HELO") + " needs a domain name or address literal"));
            return;
        }
        endTransaction();
        String previousHelo = client.helo;
        boolean previousEsmtp = client.esmtp;
        client.helo = argument;
        client.esmtp = extended;
        if (phases.helo()) {
            client.helo = previousHelo;  // refused: the client has not greeted (again)
            client.esmtp = previousEsmtp;
            return;
        }
        state = SessionState.READY;
        String hostname = context.listener().hostname();
        if (!extended) {
            send(new Reply(250, null, hostname));
            return;
        }
        List<String> lines = new java.util.ArrayList<>(List.of(hostname + " greets " + argument,
                "PIPELINING", "SIZE " + limits.maxMessageSize(), "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES"));
        if (context.tls() != null && !client.isTls()) {
            lines.add("STARTTLS");
        }
        if (auth.isOffered()) {
            lines.add(auth.ehloLine());
        }
        lines.addAll(List.of("CHUNKING", "DSN", "HELP"));
        send(new Reply(250, null, lines));
    }

    /**
     * STARTTLS (RFC 3207): whatever the client pipelined behind the command was sent in plain text
     * and is discarded (§4.2), and the session starts over as if just greeted (§4.2: forget EHLO).
     */
    private void startTls(String argument) throws IOException {
        if (context.tls() == null) {
            error(Replies.COMMAND_NOT_IMPLEMENTED);
            return;
        }
        if (client.isTls()) {
            error(Replies.BAD_SEQUENCE.withText("TLS is already active"));
            return;
        }
        if (!argument.isEmpty()) {
            error(Replies.SYNTAX_ERROR_IN_PARAMETERS.withText("STARTTLS takes no argument"));
            return;
        }
        int discarded = input.discardBuffered();
        if (discarded > 0) {
            log.info("{}: discarded {} octets {} pipelined after STARTTLS", context.listener().name(), discarded,
                    client.address());
        }
        send(Replies.READY_FOR_TLS);
        out.flush();
        SSLSocket tls = (SSLSocket) context.tls().getSocketFactory().createSocket(socket,
                client.remote.getHostString(), client.remote.getPort(), true);
        tls.setUseClientMode(false);
        tls.setSSLParameters(context.tls().getDefaultSSLParameters());   // the listener's policy (listener/TlsPolicy)
        tls.setSoTimeout((int) limits.commandTimeout().toMillis());
        long handshakeStart = System.currentTimeMillis();
        tls.startHandshake();
        // A resumed session (session id or ticket) was created by an earlier handshake.
        boolean resumed = tls.getSession().getCreationTime() < handshakeStart;
        socket = tls;
        input.replaceStream(tls.getInputStream());
        out = new BufferedOutputStream(tls.getOutputStream(), 2048);
        context.telemetry().tlsStarted(context.listener().name(), context.listener().flow(), resumed);
        client.tlsProtocol = tls.getSession().getProtocol();
        client.tlsCipher = tls.getSession().getCipherSuite();
        client.helo = null;
        client.esmtp = false;
        client.user = null;
        state = SessionState.GREETED;
    }

    /**
     * A policy check refused: count it with its phase and check (the refused recipient in the
     * tracking event at RCPT), then reply. At connect every refusal closes the session (a 4xx
     * becomes the 421 of RFC 5321 §3.8); a {@link Verdict.Disconnect} closes it anywhere; other
     * refusals count toward max-errors like every client error.
     */
    void policyRefused(Phase phase, String check, Verdict.Refusal refusal, Mailbox sender, Mailbox recipient) {
        String listener = context.listener().name();
        String flow = context.listener().flow();
        List<String> recipients = new java.util.ArrayList<>(recipientsSoFar());
        if (recipient != null) {
            recipients.add(recipient.toString());
        }
        context.telemetry().rejected(listener, flow, refusal.reason(), refusal.reply(), new Telemetry.Refused(
                client.address(), client.helo, phase == Phase.MAIL ? (sender == null ? "" : sender.toString()) : senderSoFar(),
                recipients, phase.label(), check));
        if (phase == Phase.CONNECT) {
            context.telemetry().connectionRefused(listener, flow, refusal.reason());
            replyAndClose(refusal.reply().code() < 500 && refusal.reply().code() != 421
                    ? new Reply(421, refusal.reply().enhancedCode(), refusal.reply().lines()) : refusal.reply());
        } else if (refusal instanceof Verdict.Disconnect) {
            replyAndClose(refusal.reply());
        } else {
            try {
                sendCountingErrors(refusal.reply());
            } catch (IOException e) {
                closing = true;
            }
        }
    }

    void endTransaction() {
        if (transaction != null) {
            transaction.close();
            transaction = null;
            phases.state.transactionEnded();
        }
    }

    void send(Reply reply) throws IOException {
        out.write(reply.toBytes());
    }

    void flush() throws IOException {
        out.flush();
    }

    /** A reply to a client mistake; too many of them end the session (limit max-errors). */
    void error(Reply reply) throws IOException {
        reject(reply, "protocol");
    }

    /** A refusal, counted under {@code reason}; like every client error it counts toward max-errors. */
    void reject(Reply reply, String reason) throws IOException {
        countRejection(reply, reason);
        sendCountingErrors(reply);
    }

    void sendCountingErrors(Reply reply) throws IOException {
        send(reply);
        if (++errors >= limits.maxErrors()) {
            log.info("{}: {} made {} errors, closing", context.listener().name(), client.address(), errors);
            countRejection(Replies.TOO_MANY_ERRORS, "max-errors");
            replyAndClose(Replies.TOO_MANY_ERRORS);
        }
    }

    /** Counts a refusal (and logs it for tracking) without replying. */
    void countRejection(Reply reply, String reason) {
        context.telemetry().rejected(context.listener().name(), context.listener().flow(), reason, reply,
                new Telemetry.Refused(client.address(), client.helo, senderSoFar(),
                        transaction == null ? null : recipientsSoFar(), null, null));
    }

    private String senderSoFar() {
        return transaction == null ? null : transaction.sender == null ? "" : transaction.sender.toString();
    }

    private List<String> recipientsSoFar() {
        return transaction == null ? List.of() : transaction.recipients.stream().map(r -> r.mailbox().toString()).toList();
    }

    /**
     * A graceful stop whose deadline passed, called from the shutting-down thread while this
     * session's own thread waits for input: {@code 421 4.3.2}, then the caller closes the socket.
     */
    public void shutDown() {
        if (out != null) {
            replyAndClose(Replies.SHUTTING_DOWN);
        }
    }

    void replyAndClose(Reply reply) {
        closing = true;
        try {
            send(reply);
            out.flush();
        } catch (IOException e) {
            log.debug("{}: could not send {} to {}: {}", context.listener().name(), reply, client.address(), e.toString());
        }
    }
}
