package io.portcullis.listener;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A repeat sender resumes its TLS session (session id in TLS 1.2, ticket in TLS 1.3) instead of
 * paying a full handshake per connection, and the metrics count both kinds.
 */
class SessionResumptionTest {
    private TestGateway gateway;

    @BeforeEach
    void start() throws IOException {
        gateway = TestGateway.start("");
    }

    @AfterEach
    void stop() throws IOException {
        gateway.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"TLSv1.2", "TLSv1.3"})
    void aRepeatSenderResumesItsSession(String protocol) throws IOException {
        SSLContext sender = SmtpScript.trustAll();   // one client, so one client-side session cache
        byte[] firstId;
        try (SSLSocket first = StartTlsClient.handshake(gateway.inboundPort(), sender,
                socket -> socket.setEnabledProtocols(new String[] {protocol}))) {
            assertThat(StartTlsClient.sendMessage(first)).startsWith("250 2.0.0");   // reading also takes the ticket in
            firstId = first.getSession().getId();
        }
        for (int i = 0; i < 2; i++) {
            try (SSLSocket again = StartTlsClient.handshake(gateway.inboundPort(), sender,
                    socket -> socket.setEnabledProtocols(new String[] {protocol}))) {
                assertThat(StartTlsClient.sendMessage(again)).startsWith("250 2.0.0");
                if (protocol.equals("TLSv1.2")) {
                    assertThat(again.getSession().getId()).as("the TLS 1.2 session id is reused").isEqualTo(firstId);
                }
            }
        }
        assertThat(sessions("false")).isEqualTo(1);
        assertThat(sessions("true")).isEqualTo(2);
        assertThat(gateway.queued()).hasSize(3);
    }

    /** portcullis_tls_sessions_total of the inbound listener with this resumed label. */
    private double sessions(String resumed) {
        Matcher m = Pattern.compile("(?m)^portcullis_tls_sessions_total\\{flow=\"inbound\",listener=\"inbound\",resumed=\""
                + resumed + "\"} (\\S+)$").matcher(gateway.metrics());
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }
}
