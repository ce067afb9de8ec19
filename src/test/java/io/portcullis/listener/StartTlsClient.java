package io.portcullis.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.SmtpScript;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A JSSE client that gets to the STARTTLS handshake of a listener and lets the test choose what
 * it offers (protocols, suites, groups) before the handshake starts. The socket is returned after
 * a completed handshake; a refused handshake throws.
 */
final class StartTlsClient {
    private StartTlsClient() {
    }

    static SSLSocket handshake(int port, Consumer<SSLSocket> offer) throws IOException {
        return handshake(port, SmtpScript.trustAll(), offer);
    }

    static SSLSocket handshake(int port, SSLContext context, Consumer<SSLSocket> offer) throws IOException {
        Socket plain = new Socket();
        plain.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        plain.setSoTimeout(20_000);
        try {
            InputStream in = plain.getInputStream();
            OutputStream out = plain.getOutputStream();
            assertThat(reply(in)).startsWith("220 ");
            out.write("EHLO client.test\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(reply(in)).contains("250-STARTTLS");
            out.write("STARTTLS\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(reply(in)).startsWith("220 2.0.0");
            SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(plain, "localhost", port, true);
            tls.setUseClientMode(true);
            offer.accept(tls);
            tls.startHandshake();
            return tls;
        } catch (IOException | RuntimeException | AssertionError e) {
            plain.close();
            throw e;
        }
    }

    /** One whole SMTP reply (continuation lines included). */
    static String reply(InputStream in) throws IOException {
        StringBuilder reply = new StringBuilder();
        while (true) {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int previous = -1;
            int b;
            while ((b = in.read()) >= 0 && !(previous == '\r' && b == '\n')) {
                line.write(b);
                previous = b;
            }
            if (b < 0) {
                throw new IOException("connection closed; reply so far: " + reply);
            }
            String text = line.toString(StandardCharsets.US_ASCII).stripTrailing();
            reply.append(text).append('\n');
            if (text.length() < 4 || text.charAt(3) != '-') {
                return reply.toString();
            }
        }
    }

    /** EHLO after the handshake, then a whole transaction on the TLS socket; the final reply. */
    static String sendMessage(SSLSocket tls) throws IOException {
        InputStream in = tls.getInputStream();
        OutputStream out = tls.getOutputStream();
        String[] commands = {"EHLO client.test", "MAIL FROM:<sender@client.test>", "RCPT TO:<someone@example.test>", "DATA"};
        for (String command : commands) {
            out.write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
            reply(in);
        }
        out.write("Subject: over TLS\r\n\r\nhello\r\n.\r\n".getBytes(StandardCharsets.US_ASCII));
        return reply(in);
    }
}
