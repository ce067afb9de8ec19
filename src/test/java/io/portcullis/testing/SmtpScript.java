package io.portcullis.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A scripted SMTP client for conversation tests: {@code send("MAIL FROM:<a@b>")},
 * {@code expect("250 2.1.0")}, and raw bytes for what real clients must never send. Every read
 * has a timeout, so a test that waits for a reply that never comes fails instead of hanging.
 */
public final class SmtpScript implements AutoCloseable {
    private static final Pattern QUEUED = Pattern.compile("(?:queued|accepted) as ([0-9A-Z]+(?:-[a-z0-9-]+)?)");

    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private String lastReply = "";

    private SmtpScript(Socket socket) throws IOException {
        attach(socket);
    }

    public static SmtpScript connect(int port) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(30_000);
        return new SmtpScript(socket);
    }

    /** Connects from a chosen local address (127.0.0.2, 127.0.0.3, ...: every loopback address is ours). */
    public static SmtpScript connectFrom(String sourceAddress, int port) throws IOException {
        return connectFrom(sourceAddress, new InetSocketAddress("127.0.0.1", port));
    }

    /** Connects from a chosen local address to any server address (a proxy in front of the gateway). */
    public static SmtpScript connectFrom(String sourceAddress, InetSocketAddress server) throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(sourceAddress, 0));
        socket.connect(server, 5000);
        socket.setSoTimeout(10_000);
        return new SmtpScript(socket);
    }

    private void attach(Socket newSocket) throws IOException {
        this.socket = newSocket;
        this.in = newSocket.getInputStream();
        this.out = newSocket.getOutputStream();
    }

    /** Sends one command line; CRLF is added. */
    public SmtpScript send(String line) throws IOException {
        return sendRaw(line + "\r\n");
    }

    /** Sends the text exactly as given: no line ending is added or changed. */
    public SmtpScript sendRaw(String raw) throws IOException {
        return sendRaw(raw.getBytes(StandardCharsets.UTF_8));
    }

    public SmtpScript sendRaw(byte[] raw) throws IOException {
        out.write(raw);
        out.flush();
        return this;
    }

    /** Reads one whole reply and checks that its last line starts with {@code prefix}. */
    public SmtpScript expect(String prefix) throws IOException {
        String reply = readReply();
        String lastLine = reply.substring(reply.lastIndexOf('\n', reply.length() - 2) + 1);
        assertThat(lastLine).as("reply to the script so far").startsWith(prefix);
        return this;
    }

    /** The complete text of one reply, continuation lines included, CRLFs kept. */
    public String readReply() throws IOException {
        StringBuilder reply = new StringBuilder();
        while (true) {
            String line = readLine();
            if (line == null) {
                throw new IOException("connection closed; reply so far: " + reply);
            }
            reply.append(line).append("\r\n");
            if (line.length() < 4 || line.charAt(3) != '-') {
                lastReply = reply.toString();
                return lastReply;
            }
        }
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int previous = -1;
        while (true) {
            int b = in.read();
            if (b < 0) {
                return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
            }
            if (previous == '\r' && b == '\n') {
                byte[] bytes = line.toByteArray();
                return new String(bytes, 0, bytes.length - 1, StandardCharsets.UTF_8);
            }
            line.write(b);
            previous = b;
        }
    }

    /** The server port this script is connected to. */
    public int port() {
        return socket.getPort();
    }

    /** The queue id from the last "250 ... queued as ID" (or, for a held message, "accepted as ID") reply. */
    public String queueId() {
        Matcher m = QUEUED.matcher(lastReply);
        assertThat(m.find()).as("last reply names a queue id: " + lastReply).isTrue();
        return m.group(1);
    }

    public String lastReply() {
        return lastReply;
    }

    /** Asserts that the server closes the connection (after any replies still unread). */
    public void expectClosed() throws IOException {
        try {
            while (in.read() >= 0) {
                // drain what is left
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("server did not close the connection", e);
        } catch (IOException e) {
            // a reset is a close too
        }
    }

    /** STARTTLS and the handshake; the caller sends EHLO again afterwards. */
    public SmtpScript startTls() throws IOException {
        send("STARTTLS");
        return startTlsAfterReply();
    }

    /** Reads the 220 reply to a STARTTLS already sent, then does the handshake. */
    public SmtpScript startTlsAfterReply() throws IOException {
        expect("220 2.0.0");
        SSLSocket tls = (SSLSocket) trustAll().getSocketFactory().createSocket(socket, "localhost",
                socket.getPort(), true);
        tls.setUseClientMode(true);
        tls.startHandshake();
        tls.setSoTimeout(30_000);
        attach(tls);
        return this;
    }

    public static SSLContext trustAll() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {
                }

                @Override
                public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                    return new java.security.cert.X509Certificate[0];
                }
            }}, null);
            return context;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** MAIL, RCPT and DATA for a simple message; leaves the connection ready for the next one. */
    public String sendMessage(String from, String to, String content) throws IOException {
        send("MAIL FROM:<" + from + ">").expect("250 2.1.0");
        send("RCPT TO:<" + to + ">").expect("250 2.1.5");
        send("DATA").expect("354");
        sendRaw(content + ".\r\n").expect("250 2.0.0");
        return queueId();
    }

    /**
     * MAIL, RCPT and DATA with {@code content}, expecting {@code reply} after the final dot; the
     * queue id for a 250, else null. Leaves the connection ready for the next transaction.
     */
    public String transaction(String from, String to, String content, String reply) throws IOException {
        send("MAIL FROM:<" + from + ">").expect("250 2.1.0");
        send("RCPT TO:<" + to + ">").expect("250 2.1.5");
        send("DATA").expect("354");
        sendRaw(content + ".\r\n").expect(reply);
        return reply.startsWith("250") ? queueId() : null;
    }

    /** The AUTH PLAIN response (RFC 4616): base64 of authzid NUL user NUL password. */
    public static String plain(String authorizationId, String user, String password) {
        return java.util.Base64.getEncoder().encodeToString(
                (authorizationId + "\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
    }

    public static List<String> lines(String reply) {
        return new ArrayList<>(List.of(reply.split("\r\n")));
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
