package io.portcullis.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.testing.TestGateway;
import java.io.IOException;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code tls.ciphers} and {@code tls.named-groups} as a client sees them: what each policy
 * negotiates and refuses, and that the server's order wins. The test certificate is ECDSA P-256,
 * so the TLS 1.2 suites here are the ECDSA ones.
 */
class TlsPolicyTest {
    private static TestGateway intermediate;
    private static TestGateway modern;
    private static TestGateway explicit;

    @BeforeAll
    static void start() throws IOException {
        intermediate = TestGateway.start("");
        modern = TestGateway.startYaml(withTls("ciphers: modern"));
        explicit = TestGateway.startYaml(withTls("""
                ciphers: [TLS_AES_256_GCM_SHA384, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]
                named-groups: [secp384r1, secp256r1]"""));
    }

    @AfterAll
    static void stop() throws IOException {
        intermediate.close();
        modern.close();
        explicit.close();
    }

    /** The test gateway's YAML with lines added to the inbound listener's tls section. */
    static String withTls(String lines) throws IOException {
        String yaml = TestGateway.defaultYaml("");
        int key = yaml.indexOf("      key: ");
        int end = yaml.indexOf('\n', key) + 1;
        return yaml.substring(0, end) + lines.stripIndent().indent(6) + yaml.substring(end);
    }

    private static SSLSocket offer(TestGateway gateway, String protocol, String suites, String groups) throws IOException {
        return StartTlsClient.handshake(gateway.inboundPort(), socket -> {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setProtocols(new String[] {protocol});
            if (suites != null) {
                parameters.setCipherSuites(suites.split(" "));
            }
            if (groups != null) {
                parameters.setNamedGroups(groups.split(" "));
            }
            socket.setSSLParameters(parameters);
        });
    }

    /** The server, not the client, ended the handshake: a fatal alert came in. */
    private static void refused(org.assertj.core.api.ThrowableAssert.ThrowingCallable handshake) {
        assertThatThrownBy(handshake).isInstanceOf(SSLException.class).hasMessageContaining("Received fatal alert");
    }

    @ParameterizedTest(name = "intermediate negotiates {0} {1}")
    @CsvSource({
        "TLSv1.3, TLS_AES_128_GCM_SHA256",
        "TLSv1.3, TLS_AES_256_GCM_SHA384",
        "TLSv1.3, TLS_CHACHA20_POLY1305_SHA256",
        "TLSv1.2, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        "TLSv1.2, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        "TLSv1.2, TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    })
    void intermediateNegotiatesAeadSuites(String protocol, String suite) throws IOException {
        try (SSLSocket tls = offer(intermediate, protocol, suite, null)) {
            assertThat(tls.getSession().getProtocol()).isEqualTo(protocol);
            assertThat(tls.getSession().getCipherSuite()).isEqualTo(suite);
            assertThat(StartTlsClient.sendMessage(tls)).startsWith("250 2.0.0");
        }
    }

    @ParameterizedTest(name = "intermediate refuses {0}")
    @CsvSource({
        "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256 TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
        "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    })
    void intermediateRefusesCbcSuites(String suites) {
        refused(() -> offer(intermediate, "TLSv1.2", suites, null));
    }

    @Test
    void theServersOrderWins() throws IOException {
        String clientOrder = "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"
                + " TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256";
        try (SSLSocket tls = offer(intermediate, "TLSv1.2", clientOrder, null)) {
            assertThat(tls.getSession().getCipherSuite()).isEqualTo("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
        }
        try (SSLSocket tls = offer(intermediate, "TLSv1.3", "TLS_CHACHA20_POLY1305_SHA256 TLS_AES_128_GCM_SHA256", null)) {
            assertThat(tls.getSession().getCipherSuite()).isEqualTo("TLS_AES_128_GCM_SHA256");
        }
    }

    // TLS 1.3 only: in TLS 1.2 the client's groups also limit the certificate's curve.
    @ParameterizedTest(name = "default groups: {0} {1} -> {2}")
    @CsvSource({
        "TLSv1.3, x25519, true",
        "TLSv1.3, secp256r1, true",
        "TLSv1.3, secp384r1, true",
        "TLSv1.3, secp521r1, false",
        "TLSv1.3, ffdhe2048, false",
    })
    void keyExchangeOnlyOnTheConfiguredGroups(String protocol, String group, boolean accepted) throws IOException {
        if (accepted) {
            try (SSLSocket tls = offer(intermediate, protocol, null, group)) {
                assertThat(tls.getSession().getProtocol()).isEqualTo(protocol);
            }
        } else {
            refused(() -> offer(intermediate, protocol, null, group));
        }
    }

    @Test
    void modernIsTls13Only() throws IOException {
        try (SSLSocket tls = offer(modern, "TLSv1.3", null, null)) {
            assertThat(tls.getSession().getProtocol()).isEqualTo("TLSv1.3");
            assertThat(StartTlsClient.sendMessage(tls)).startsWith("250 2.0.0");
        }
        refused(() -> offer(modern, "TLSv1.2", null, null));
    }

    @Test
    void anExplicitListIsExactlyWhatIsOffered() throws IOException {
        try (SSLSocket tls = offer(explicit, "TLSv1.3", null, null)) {
            assertThat(tls.getSession().getCipherSuite()).isEqualTo("TLS_AES_256_GCM_SHA384");
        }
        try (SSLSocket tls = offer(explicit, "TLSv1.2", null, null)) {
            assertThat(tls.getSession().getCipherSuite()).isEqualTo("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384");
        }
        refused(() -> offer(explicit, "TLSv1.3", "TLS_AES_128_GCM_SHA256", null));
        refused(() -> offer(explicit, "TLSv1.3", null, "x25519"));
    }
}
