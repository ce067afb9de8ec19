package io.portcullis.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A man in the middle on loopback that strips STARTTLS: it relays SMTP to a real server and
 * overwrites "STARTTLS" in the server's replies with "XXXXXXXA" (as seen in the wild), so the
 * client believes TLS is not offered. It keeps what clients sent, so a test can show that
 * nothing (no MAIL FROM) went past it in clear text. Each connection is relayed on virtual
 * threads; reads time out after 60 s.
 */
public final class StartTlsStripper implements AutoCloseable {
    private static final byte[] STARTTLS = "STARTTLS".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] REPLACEMENT = "XXXXXXXA".getBytes(StandardCharsets.US_ASCII);

    private final ServerSocket server;
    private final int targetPort;
    private final ByteArrayOutputStream fromClients = new ByteArrayOutputStream();
    private final List<Socket> sockets = new ArrayList<>();

    public StartTlsStripper(int targetPort) throws IOException {
        this.targetPort = targetPort;
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(this::accept);
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Everything clients sent so far, as text. */
    public String clientText() {
        synchronized (fromClients) {
            return fromClients.toString(StandardCharsets.ISO_8859_1);
        }
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket();
                upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 10_000);
                client.setSoTimeout(60_000);
                upstream.setSoTimeout(60_000);
                synchronized (sockets) {
                    sockets.add(client);
                    sockets.add(upstream);
                }
                Thread.ofVirtual().start(() -> relay(client, upstream, true));
                Thread.ofVirtual().start(() -> relay(upstream, client, false));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void relay(Socket from, Socket to, boolean fromClient) {
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            byte[] buffer = new byte[8192];
            for (int n; (n = in.read(buffer)) > 0; ) {
                if (fromClient) {
                    synchronized (fromClients) {
                        fromClients.write(buffer, 0, n);
                    }
                } else {
                    strip(buffer, n);
                }
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // one side went away: close both
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    /** Overwrites STARTTLS in place (an EHLO reply arrives in one read from a local server). */
    private static void strip(byte[] buffer, int length) {
        outer:
        for (int i = 0; i + STARTTLS.length <= length; i++) {
            for (int j = 0; j < STARTTLS.length; j++) {
                if (buffer[i + j] != STARTTLS[j]) {
                    continue outer;
                }
            }
            System.arraycopy(REPLACEMENT, 0, buffer, i, REPLACEMENT.length);
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closed
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        synchronized (sockets) {
            sockets.forEach(StartTlsStripper::closeQuietly);
        }
    }
}
