package io.portcullis.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A next hop that stops answering at a chosen step of the SMTP conversation: a real peer on a
 * loopback port (no mock: the gateway's client talks TCP to it), for the deadlines of the
 * delivery side. It speaks just enough SMTP to get there (EHLO without PIPELINING, so each
 * command waits for its reply) and then stalls: silent, trickling a reply one byte at a time, or
 * not reading at all (its receive buffer is small, so a sender's writes soon block). Every wait
 * is bounded; {@link #close()} closes every connection.
 */
public final class StallingNextHop implements AutoCloseable {

    /** Where the conversation stops. */
    public enum Stall {
        /** Accepts the connection and never greets. */
        NO_GREETING,
        /** Greets one byte every 300 ms and never ends the line. */
        TRICKLED_GREETING,
        /** Greets, then never answers EHLO. */
        AFTER_GREETING,
        /** Never answers MAIL. */
        AFTER_MAIL,
        /** Answers MAIL with a multi-line reply, a line every 300 ms, that never ends. */
        TRICKLED_MAIL_REPLY,
        /** Says 354 to DATA, then neither reads nor answers. */
        AFTER_DATA_354,
        /** Reads the message to its final dot and never answers. */
        AFTER_FINAL_DOT,
        /** Offers STARTTLS, says 220 to it, then never starts the handshake. */
        TLS_HANDSHAKE
    }

    private static final long TRICKLE_MILLIS = 300;
    private static final long LONGEST_STALL_MINUTES = 5;

    private final ServerSocket server;
    private final Stall stall;
    private final AtomicInteger connections = new AtomicInteger();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final CountDownLatch closed = new CountDownLatch(1);

    private StallingNextHop(Stall stall) throws IOException {
        this.stall = stall;
        server = new ServerSocket();
        server.setReceiveBufferSize(4096); // inherited by accepted sockets: a peer that stops reading blocks writers soon
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread.ofVirtual().name("stalling-next-hop").start(this::acceptLoop);
    }

    public static StallingNextHop start(Stall stall) throws IOException {
        return new StallingNextHop(stall);
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Connections accepted so far. */
    public int connections() {
        return connections.get();
    }

    /** Waits until at least {@code count} connections were accepted; true when they were in time. */
    public boolean awaitConnections(int count, long timeoutSeconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (connections.get() < count && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        return connections.get() >= count;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                sockets.add(socket);
                connections.incrementAndGet();
                Thread.ofVirtual().name("stalling-next-hop-session").start(() -> converse(socket));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void converse(Socket socket) {
        try (socket) {
            InputStream in = new java.io.BufferedInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            switch (stall) {
                case NO_GREETING -> {
                    discardUntilClosed(in);
                    return;
                }
                case TRICKLED_GREETING -> {
                    trickle(out, "220 stall.test ESMTP ", "x");
                    return;
                }
                default -> reply(out, "220 stall.test ESMTP");
            }
            if (stall == Stall.AFTER_GREETING) {
                discardUntilClosed(in);
                return;
            }
            while (true) {
                String line = readLine(in);
                if (line == null) {
                    return;
                }
                String verb = line.length() < 4 ? line : line.substring(0, 4).toUpperCase(java.util.Locale.ROOT);
                switch (verb) {
                    case "EHLO" -> reply(out, "250-stall.test\r\n250-8BITMIME\r\n" + (stall == Stall.TLS_HANDSHAKE ? "250-STARTTLS\r\n" : "")
                            + "250 SIZE 100000000");
                    case "STAR" -> {
                        reply(out, "220 2.0.0 Ready to start TLS");
                        discardUntilClosed(in);
                        return;
                    }
                    case "MAIL" -> {
                        if (stall == Stall.AFTER_MAIL) {
                            discardUntilClosed(in);
                            return;
                        }
                        if (stall == Stall.TRICKLED_MAIL_REPLY) {
                            trickle(out, "", "250-still thinking\r\n");
                            return;
                        }
                        reply(out, "250 2.1.0 Ok");
                    }
                    case "RCPT" -> reply(out, "250 2.1.5 Ok");
                    case "DATA" -> {
                        reply(out, "354 End data with <CR><LF>.<CR><LF>");
                        if (stall == Stall.AFTER_DATA_354) {
                            closed.await(LONGEST_STALL_MINUTES, TimeUnit.MINUTES); // reads nothing more
                            return;
                        }
                        while (!".".equals(line)) {
                            line = readLine(in);
                            if (line == null) {
                                return;
                            }
                        }
                        discardUntilClosed(in); // AFTER_FINAL_DOT: no reply
                        return;
                    }
                    case "QUIT" -> {
                        reply(out, "221 2.0.0 Bye");
                        return;
                    }
                    default -> reply(out, "250 2.0.0 Ok");
                }
            }
        } catch (IOException | InterruptedException e) {
            // the client hung up, or we are closing
        }
    }

    private static void reply(OutputStream out, String text) throws IOException {
        out.write((text + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** Sends {@code start}, then {@code piece} every 300 ms until the client hangs up (at most five minutes). */
    private void trickle(OutputStream out, String start, String piece) throws IOException, InterruptedException {
        out.write(start.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(LONGEST_STALL_MINUTES);
        while (System.nanoTime() < end && !closed.await(TRICKLE_MILLIS, TimeUnit.MILLISECONDS)) {
            out.write(piece.getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
    }

    /** Reads (so the client's writes succeed) and never answers, until the client hangs up. */
    private static void discardUntilClosed(InputStream in) throws IOException {
        byte[] buffer = new byte[8192];
        while (in.read(buffer) >= 0) {
            // nothing to say
        }
    }

    /** One line without its CRLF, or null at the end of the stream. */
    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b >= 0; b = in.read()) {
            if (b == '\n') {
                int length = line.length();
                return length > 0 && line.charAt(length - 1) == '\r' ? line.substring(0, length - 1) : line.toString();
            }
            line.append((char) b);
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        closed.countDown();
        server.close();
        for (Socket socket : sockets) {
            socket.close();
        }
    }
}
