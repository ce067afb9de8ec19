package io.portcullis.smtp;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The server's view of the client's byte stream: strict command lines, dot-stuffed DATA and
 * counted BDAT chunks, all from one buffer so that pipelined input is never lost between them.
 *
 * <p>Only CRLF ends a line (RFC 5321 §2.3.8). A bare CR, a bare LF or a NUL in a command line is
 * reported, never repaired: normalising them is what makes SMTP smuggling possible. Memory is
 * bounded by the largest line allowed; longer lines are reported and skipped up to their CRLF.
 */
public final class SmtpInput {

    /** How a command line read ended. */
    public enum Status { LINE, TOO_LONG, BARE_LINE_END, NUL, INVALID_UTF8 }

    /** One command line, or the reason there is none; {@code text} excludes the CRLF. */
    public record Line(Status status, String text) {
    }

    /** Sets the read timeout of the underlying socket before each blocking read. */
    @FunctionalInterface
    public interface ReadTimeout {
        void set(int millis) throws IOException;
    }

    /** Small while a session idles between commands; 10,000 idle sessions must stay cheap. */
    private static final int INITIAL_CAPACITY = 1024;
    /** Message data is read in larger pieces, then the buffer shrinks back. */
    private static final int DATA_CAPACITY = 32 * 1024;

    private InputStream in;
    private final ReadTimeout readTimeout;
    private byte[] buffer = new byte[INITIAL_CAPACITY];
    private int position;
    private int limit;
    private long deadlineNanos = Long.MAX_VALUE;
    private int idleTimeoutMillis;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);

    public SmtpInput(InputStream in, ReadTimeout readTimeout) {
        this.in = in;
        this.readTimeout = readTimeout;
    }

    /**
     * Every read until the next call must finish by {@code timeoutMillis} from now: a command line
     * trickled one byte at a time cannot hold the session longer than that.
     */
    public void startDeadline(long timeoutMillis) {
        deadlineNanos = System.nanoTime() + timeoutMillis * 1_000_000L;
        idleTimeoutMillis = 0;
    }

    /** Each single read may wait at most {@code timeoutMillis} for bytes (message data). */
    public void startIdleTimeout(int timeoutMillis) {
        deadlineNanos = Long.MAX_VALUE;
        idleTimeoutMillis = timeoutMillis;
    }

    /** True when input the client has already sent is waiting unread: pipelining in progress. */
    public boolean hasBufferedInput() throws IOException {
        return position < limit || in.available() > 0;
    }

    /**
     * True when more commands already read from the socket wait in our buffer. Cheaper than
     * {@link #hasBufferedInput()} (no system call): enough to decide whether to hold replies back
     * for a pipelined group, never to judge the client.
     */
    public boolean hasReadAhead() {
        return position < limit;
    }

    /** Drops whatever the client has sent that was not read yet; returns how many octets. */
    public int discardBuffered() {
        int discarded = limit - position;
        position = 0;
        limit = 0;
        return discarded;
    }

    /**
     * Switches to a new stream (after the TLS handshake) and discards everything buffered from the
     * old one (RFC 3207 §4.2: plain text pipelined behind STARTTLS must not be acted on).
     */
    public int replaceStream(InputStream newStream) {
        int discarded = discardBuffered();
        in = newStream;
        return discarded;
    }

    /** Reads one command line of at most {@code maxLength} octets, excluding the CRLF. */
    public Line readLine(int maxLength) throws IOException {
        int scanned = position;
        while (true) {
            for (int i = scanned; i < limit; i++) {
                byte b = buffer[i];
                if (b == '\r') {
                    if (i + 1 == limit) {
                        break; // need the next byte to know whether this is a line end
                    }
                    if (buffer[i + 1] != '\n') {
                        return new Line(Status.BARE_LINE_END, null);
                    }
                    int length = i - position;
                    int start = position;
                    position = i + 2;
                    if (length > maxLength) {
                        return new Line(Status.TOO_LONG, null);
                    }
                    return decode(start, length);
                } else if (b == '\n') {
                    return new Line(Status.BARE_LINE_END, null);
                } else if (b == 0) {
                    return new Line(Status.NUL, null);
                }
                scanned = i + 1;
            }
            if (limit - position > maxLength + 1) {
                skipPastLineEnd();
                return new Line(Status.TOO_LONG, null);
            }
            int keep = scanned - position;
            fill();
            scanned = position + keep;
        }
    }

    private Line decode(int start, int length) {
        boolean ascii = true;
        for (int i = start; i < start + length; i++) {
            if (buffer[i] < 0) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            return new Line(Status.LINE, new String(buffer, start, length, StandardCharsets.ISO_8859_1));
        }
        try {
            CharBuffer chars = utf8.reset().decode(ByteBuffer.wrap(buffer, start, length));
            return new Line(Status.LINE, chars.toString());
        } catch (CharacterCodingException e) {
            return new Line(Status.INVALID_UTF8, null);
        }
    }

    /** Discards input up to and including the next CRLF, in bounded memory. */
    private void skipPastLineEnd() throws IOException {
        boolean afterCr = false;
        while (true) {
            while (position < limit) {
                byte b = buffer[position++];
                if (afterCr && b == '\n') {
                    return;
                }
                afterCr = b == '\r';
            }
            position = 0;
            limit = 0;
            fill();
        }
    }

    /**
     * Feeds DATA input to the decoder until it has seen the terminating CRLF.CRLF; input after the
     * terminator stays buffered for the next command.
     */
    public void readData(DotDataDecoder decoder) throws IOException {
        growForData();
        while (!decoder.isFinished()) {
            if (position == limit) {
                position = 0;
                limit = 0;
                fill();
            }
            position += decoder.decode(buffer, position, limit);
        }
        shrinkAfterData();
    }

    /** Copies exactly {@code count} octets (a BDAT chunk) to {@code out}. */
    public void readChunk(long count, OutputStream out) throws IOException {
        growForData();
        long remaining = count;
        while (remaining > 0) {
            if (position == limit) {
                position = 0;
                limit = 0;
                fill();
            }
            int n = (int) Math.min(remaining, limit - position);
            out.write(buffer, position, n);
            position += n;
            remaining -= n;
        }
        shrinkAfterData();
    }

    private void growForData() {
        if (buffer.length < DATA_CAPACITY) {
            buffer = Arrays.copyOfRange(buffer, position, position + DATA_CAPACITY);
            limit -= position;
            position = 0;
        }
    }

    private void shrinkAfterData() {
        int buffered = limit - position;
        if (buffer.length > INITIAL_CAPACITY && buffered <= INITIAL_CAPACITY) {
            buffer = Arrays.copyOfRange(buffer, position, position + INITIAL_CAPACITY);
            limit = buffered;
            position = 0;
        }
    }

    /** Reads more bytes into the buffer after {@code limit}, compacting or growing as needed. */
    private void fill() throws IOException {
        if (position > 0 && position == limit) {
            position = 0;
            limit = 0;
        } else if (limit == buffer.length && position > 0) {
            System.arraycopy(buffer, position, buffer, 0, limit - position);
            limit -= position;
            position = 0;
        }
        if (limit == buffer.length) {
            byte[] larger = new byte[buffer.length * 2];
            System.arraycopy(buffer, 0, larger, 0, limit);
            buffer = larger;
        }
        if (deadlineNanos != Long.MAX_VALUE) {
            long remainingMillis = (deadlineNanos - System.nanoTime()) / 1_000_000L;
            if (remainingMillis <= 0) {
                throw new SocketTimeoutException("command deadline passed");
            }
            readTimeout.set((int) Math.min(Integer.MAX_VALUE, remainingMillis));
        } else {
            readTimeout.set(idleTimeoutMillis);
        }
        int n = in.read(buffer, limit, buffer.length - limit);
        if (n < 0) {
            throw new EOFException("client closed the connection");
        }
        limit += n;
    }
}
