package io.portcullis.delivery;

import io.portcullis.smtp.Reply;
import io.portcullis.smtp.ReplyReader;
import io.portcullis.smtp.SmtpInput;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import javax.net.ssl.SSLSocket;

/**
 * The octets of one connection to a next hop, every blocking step within its deadline (RFC 5321
 * §4.5.3.2): a reply is read whole within its timeout, each write within the write timeout of
 * the current step ({@code command}, or {@code data-block} while the message goes out), the TLS
 * handshake within its own. SO_TIMEOUT (through {@link SmtpInput#startDeadline}) ends a silent
 * wait; the {@link DeadlineWatchdog} ends what SO_TIMEOUT cannot (a reply trickled under TLS, a
 * blocked write, a stalled handshake). A step that fails leaves the channel broken; one that
 * missed its deadline is a {@link TimedOut} naming the step.
 */
final class NextHopChannel {
    private final Socket tcp; // under TLS the watchdog closes this one, never the TLS socket
    private final DeadlineWatchdog.Guard guard;
    private Socket socket; // what we read and write: tcp, or the TLS socket over it
    private SmtpInput input;
    private ReplyReader replies;
    private OutputStream out;
    private Duration writeTimeout;
    private String writing = "a command";
    private boolean broken;

    /** A step that missed its deadline; the message says which step and after how long. */
    static final class TimedOut extends IOException {
        TimedOut(String message) {
            super(message);
        }
    }

    /** Over a connected TCP socket; writes are bounded by {@code commandTimeout} until told otherwise. */
    NextHopChannel(Socket tcp, Duration commandTimeout) throws IOException {
        this.tcp = tcp;
        this.writeTimeout = commandTimeout;
        this.guard = DeadlineWatchdog.register(tcp);
        attach(tcp);
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

    static int millis(Duration timeout) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    }

    /** The TLS handshake within {@code timeout}; from then on the channel reads and writes through {@code ssl}. */
    void startTls(SSLSocket ssl, Duration timeout) throws IOException {
        ssl.setSoTimeout(millis(timeout));
        guard.arm(timeout);
        try {
            ssl.startHandshake();
        } catch (IOException e) {
            throw failed(e, timeout, "in the TLS handshake");
        } finally {
            guard.disarm();
        }
        attach(ssl);
    }

    /** The socket to layer TLS over. */
    Socket socket() {
        return socket;
    }

    /** Reads one reply, all of it within {@code timeout}. */
    Reply read(Duration timeout, String awaited) throws IOException {
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

    /** One command line, buffered until {@link #flush()}. */
    void write(String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    void flush() throws IOException {
        out.flush();
    }

    /** Where message data goes; each write within {@code timeout} until {@link #writingCommands}. */
    OutputStream writingMessage(Duration timeout) {
        writeTimeout = timeout;
        writing = "the message";
        return out;
    }

    void writingCommands(Duration timeout) {
        writeTimeout = timeout;
        writing = "a command";
    }

    /** True once a step failed: the connection must not be used again, not even for QUIT. */
    boolean isBroken() {
        return broken;
    }

    void markBroken() {
        broken = true;
    }

    /** Marks the channel broken; a missed deadline becomes a {@link TimedOut} naming the step. */
    private IOException failed(IOException e, Duration timeout, String step) {
        broken = true;
        if (e instanceof SocketTimeoutException || guard.fired()) {
            return new TimedOut("timed out after " + timeout.toString().substring(2).toLowerCase(Locale.ROOT) + " " + step);
        }
        return e;
    }

    /**
     * Closes the connection: a working one with a TLS close (within {@code grace}), a broken one
     * at the TCP level at once (a TLS close could block on a peer that stopped reading).
     */
    void close(Duration grace) {
        if (!broken && socket != tcp) {
            guard.arm(grace);
            try {
                socket.close();
            } catch (IOException ignored) {
                // the TCP close below either way
            }
        }
        guard.close();
        try {
            tcp.close();
        } catch (IOException ignored) {
            // closed
        }
    }

    /**
     * The socket's output with a deadline on each write: a next hop that stops reading cannot
     * block us longer than the write timeout of the step.
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
}
