package io.portcullis.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.testing.TestGateway;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Client-initiated renegotiation (TLS 1.2) is refused at the TLS layer with a fatal alert, and
 * the connection ends: a client cannot make the gateway redo handshakes on one connection.
 */
class RenegotiationRefusedTest {
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws IOException {
        gateway = TestGateway.start("");
    }

    @AfterAll
    static void stop() throws IOException {
        gateway.close();
    }

    @Test
    void thisJvmRefusesRenegotiationInProcess() throws IOException {
        assertThat(Renegotiation.isRefused()).as("the in-memory check of listener/Renegotiation").isTrue();
    }

    @Test
    void aRenegotiatingClientIsRefusedAndTheConnectionEnds() throws Exception {
        int queuedBefore = gateway.queued().size();
        SSLSocket tls = StartTlsClient.handshake(gateway.inboundPort(), socket -> socket.setEnabledProtocols(new String[] {"TLSv1.2"}));
        try (tls) {
            InputStream in = tls.getInputStream();
            OutputStream out = tls.getOutputStream();
            out.write("EHLO renegotiator.test\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(StartTlsClient.reply(in)).contains("250 ");

            assertThatThrownBy(() -> {
                tls.startHandshake();   // on an established TLS 1.2 connection: a renegotiation
                out.write("NOOP\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                StartTlsClient.reply(in);
            }).isInstanceOf(SSLException.class).hasMessageContaining("handshake_failure");

            // The connection is over: no second attempt, no further command.
            assertThatThrownBy(() -> {
                tls.startHandshake();
                out.write("NOOP\r\n".getBytes(StandardCharsets.US_ASCII));
                StartTlsClient.reply(in);
            }).isInstanceOf(IOException.class);
        }
        awaitNoInboundSessions();
        assertThat(gateway.queued()).hasSize(queuedBefore);
    }

    @Test
    void theGatewayStaysResponsiveAfterRenegotiationAttempts() throws Exception {
        for (int i = 0; i < 5; i++) {
            try (SSLSocket tls = StartTlsClient.handshake(gateway.inboundPort(),
                    socket -> socket.setEnabledProtocols(new String[] {"TLSv1.2"}))) {
                assertThatThrownBy(() -> {
                    tls.startHandshake();
                    tls.getOutputStream().write("NOOP\r\n".getBytes(StandardCharsets.US_ASCII));
                    StartTlsClient.reply(tls.getInputStream());
                }).isInstanceOf(SSLException.class);
            }
        }
        awaitNoInboundSessions();
        int queuedBefore = gateway.queued().size();
        try (SSLSocket tls = StartTlsClient.handshake(gateway.inboundPort(), socket -> { })) {
            assertThat(StartTlsClient.sendMessage(tls)).startsWith("250 2.0.0");
        }
        assertThat(gateway.queued()).hasSize(queuedBefore + 1);
    }

    /** The refused sessions ended on the server side too (bounded wait). */
    private static void awaitNoInboundSessions() throws InterruptedException {
        for (int i = 0; i < 200 && gateway.activeConnections("inbound") > 0; i++) {
            Thread.sleep(50);
        }
        assertThat(gateway.activeConnections("inbound")).as("sessions still open on the inbound listener").isZero();
    }
}
