package io.portcullis.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Our Received header states the TLS version and cipher suite of the hop, as Postfix writes them
 * ({@code (using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384)}, a comment after the client's), with
 * the {@code ESMTPS} protocol; a plain session has no such comment; the names never carry a line
 * break or a parenthesis into the header.
 */
class ReceivedTlsClauseTest {
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws IOException {
        gateway = TestGateway.start("");
    }

    @AfterAll
    static void stop() throws IOException {
        gateway.close();
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "TLSv1.3, TLS_AES_256_GCM_SHA384",
        "TLSv1.3, TLS_CHACHA20_POLY1305_SHA256",
        "TLSv1.2, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"})
    void aStartTlsSessionStatesTheNegotiatedVersionAndCipher(String protocol, String suite) throws Exception {
        try (Socket plain = new Socket()) {
            plain.connect(new InetSocketAddress("127.0.0.1", gateway.inboundPort()), 5000);
            plain.setSoTimeout(20_000);
            expect(plain.getInputStream(), "220 ");
            command(plain, "EHLO client.test", "250 ");
            command(plain, "STARTTLS", "220 2.0.0");
            SSLSocket tls = (SSLSocket) SmtpScript.trustAll().getSocketFactory().createSocket(plain, "localhost",
                    gateway.inboundPort(), true);
            tls.setUseClientMode(true);
            tls.setEnabledProtocols(new String[] {protocol});
            tls.setEnabledCipherSuites(new String[] {suite});
            tls.startHandshake();
            assertThat(tls.getSession().getProtocol()).isEqualTo(protocol);
            assertThat(tls.getSession().getCipherSuite()).isEqualTo(suite);

            command(tls, "EHLO client.test", "250 ");
            command(tls, "MAIL FROM:<sender@client.test>", "250 2.1.0");
            command(tls, "RCPT TO:<someone@example.test>", "250 2.1.5");
            command(tls, "DATA", "354 ");
            String queued = command(tls, "Subject: over TLS\r\n\r\nhello\r\n.", "250 2.0.0");
            String id = queued.replaceAll("(?s).*queued as ([0-9A-Z]+(?:-[a-z0-9-]+)?).*", "$1");

            List<String> received = receivedLines(id);
            assertThat(received.get(0)).isEqualTo("Received: from client.test ([127.0.0.1])");
            assertThat(received.get(1)).isEqualTo("\t(using " + protocol + " with cipher " + suite + ")");
            assertThat(received.get(2)).isEqualTo("\tby gateway.test (Portcullis) with ESMTPS id " + id);
            assertThat(received.get(3)).startsWith("\tfor <someone@example.test>; ");
            assertThat(gateway.envelope(id).client().tlsCipher()).isEqualTo(suite);
        }
    }

    @Test
    void aPlainSessionHasNoTlsComment() throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            String id = smtp.sendMessage("sender@client.test", "someone@example.test", "Subject: plain\r\n\r\nhello\r\n");
            List<String> received = receivedLines(id);
            assertThat(received).hasSize(3);
            assertThat(received.get(0)).isEqualTo("Received: from client.test ([127.0.0.1])");
            assertThat(received.get(1)).isEqualTo("\tby gateway.test (Portcullis) with ESMTP id " + id);
            assertThat(String.join("\n", received)).doesNotContain("using").doesNotContain("cipher");
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "TLSv1.3\\r\\nX-Injected: yes | TLS_AES_128_GCM_SHA256",
        "TLSv1.3 | TLS_AES_128_GCM_SHA256)\\r\\nX-Injected: yes",
        "TLSv1.3) (forged | TLS_AES_128_GCM_SHA256",
        "TLSv1.3\\n | TLS_AES_128_GCM_SHA256\\r"})
    void namesThatAreNotPlainAtomsNeverReachTheHeader(String protocol, String suite) {
        ClientConnection client = new ClientConnection(new InetSocketAddress("127.0.0.1", 2525));
        client.helo = "client.test";
        client.esmtp = true;
        client.tlsProtocol = protocol.replace("\\r", "\r").replace("\\n", "\n");
        client.tlsCipher = suite.replace("\\r", "\r").replace("\\n", "\n");
        String header = new String(ReceivedHeader.format(client, "gateway.test", client.receivedProtocol(false), "ID1",
                null, ZonedDateTime.of(2026, 11, 30, 10, 0, 0, 0, ZoneOffset.UTC)), StandardCharsets.UTF_8);
        assertThat(header).doesNotContain("X-Injected").doesNotContain("forged");
        // Every line break is a CRLF followed by a tab (a folded field), and the field ends once.
        assertThat(header.replace("\r\n\t", "")).endsWith("\r\n").doesNotContain("\n\n");
        assertThat(header.replace("\r\n\t", "").indexOf('\r')).isEqualTo(header.replace("\r\n\t", "").length() - 2);
        assertThat(header.replace("\r\n\t", "").indexOf('\n')).isEqualTo(header.replace("\r\n\t", "").length() - 1);
        assertThat(header).contains("(using ").contains(" with cipher ").contains("with ESMTPS id ID1");
    }

    /** The lines of our Received header (the first field of the stored message), folds kept. */
    private static List<String> receivedLines(String id) throws IOException {
        String stored = new String(gateway.message(id), StandardCharsets.UTF_8);
        int end = 0;
        do {
            end = stored.indexOf("\r\n", end) + 2;
        } while (stored.charAt(end) == '\t' || stored.charAt(end) == ' ');
        return List.of(stored.substring(0, end - 2).split("\r\n"));
    }

    private static String command(Socket socket, String line, String expected) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return expect(socket.getInputStream(), expected);
    }

    /** Reads one whole reply and asserts its last line starts with {@code expected}. */
    private static String expect(InputStream in, String expected) throws IOException {
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
                assertThat(text).as(reply.toString()).startsWith(expected);
                return reply.toString();
            }
        }
    }
}
