package io.portcullis.smtp;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Decodes the DATA stream (RFC 5321 §4.5.2): removes the dot that stuffs a line starting with a
 * dot, and finishes at CRLF "." CRLF, and at nothing else.
 *
 * <p>Bare LF and bare CR never start a line here, so "LF . LF", "CR LF . LF" and "LF . CR LF" are
 * message content, not an end of data: what follows such a fake terminator can never become a
 * second message (SMTP smuggling). The bytes are passed on unchanged, so the
 * {@link LineDiscipline} downstream sees and reports them. The message content handed to
 * {@code out} includes the CRLF that precedes the terminating dot.
 *
 * <p>Input may be split anywhere; state carries across {@link #decode} calls.
 */
public final class DotDataDecoder {

    private enum State { LINE_START, DOT, DOT_CR, MID_LINE, AFTER_CR, FINISHED }

    private final OutputStream out;
    private State state = State.LINE_START;

    public DotDataDecoder(OutputStream out) {
        this.out = out;
    }

    public boolean isFinished() {
        return state == State.FINISHED;
    }

    /**
     * Decodes {@code input[from, to)} and returns how many octets it consumed: all of them, or fewer
     * when the terminator was found, leaving the rest (pipelined commands) to the caller.
     */
    public int decode(byte[] input, int from, int to) throws IOException {
        int runStart = from;
        int i = from;
        while (i < to) {
            byte b = input[i];
            switch (state) {
                case LINE_START -> {
                    if (b == '.') {
                        out.write(input, runStart, i - runStart);
                        runStart = i + 1;
                        state = State.DOT;
                    } else {
                        state = b == '\r' ? State.AFTER_CR : State.MID_LINE;
                    }
                }
                case DOT -> {
                    if (b == '\r') {
                        runStart = i + 1; // withhold the CR until we know whether LF follows
                        state = State.DOT_CR;
                    } else {
                        state = State.MID_LINE;
                    }
                }
                case DOT_CR -> {
                    if (b == '\n') {
                        state = State.FINISHED;
                        return i + 1 - from;
                    }
                    out.write('\r');
                    state = b == '\r' ? State.AFTER_CR : State.MID_LINE;
                }
                case MID_LINE -> {
                    if (b == '\r') {
                        state = State.AFTER_CR;
                    }
                }
                case AFTER_CR -> {
                    if (b == '\n') {
                        state = State.LINE_START;
                    } else if (b != '\r') {
                        state = State.MID_LINE;
                    }
                }
                case FINISHED -> throw new IllegalStateException("decode after end of data");
            }
            i++;
        }
        out.write(input, runStart, i - runStart);
        return i - from;
    }
}
