package io.portcullis.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code tls.ciphers} and {@code tls.named-groups}: defaults, and errors that name file, line and key. */
class TlsConfigErrorsTest {
    @TempDir
    Path directory;

    private Path write(String tlsLines) throws IOException {
        return Files.writeString(directory.resolve("portcullis.yaml"), """
                listeners:
                  - name: in
                    flow: inbound
                    bind: 127.0.0.1:2525
                    tls:
                      self-signed: true
                """ + tlsLines.stripIndent().indent(6));
    }

    @Test
    void theDefaultIsIntermediateOnX25519P256AndP384() throws Exception {
        TlsConfig tls = ConfigLoader.load(write("")).listeners().getFirst().tls();
        assertThat(tls.ciphers()).isEqualTo(TlsConfig.CipherPolicy.INTERMEDIATE);
        assertThat(tls.namedGroups()).containsExactly("x25519", "secp256r1", "secp384r1");
    }

    @Test
    void readsModernAndAnExplicitList() throws Exception {
        assertThat(ConfigLoader.load(write("ciphers: modern")).listeners().getFirst().tls().ciphers())
                .isEqualTo(TlsConfig.CipherPolicy.MODERN);
        TlsConfig tls = ConfigLoader.load(write("""
                ciphers: [TLS_AES_256_GCM_SHA384, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]
                named-groups: [x25519, ffdhe2048]""")).listeners().getFirst().tls();
        assertThat(tls.ciphers()).isEqualTo(TlsConfig.CipherPolicy.EXPLICIT);
        assertThat(tls.cipherSuites()).isEqualTo(List.of("TLS_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"));
        assertThat(tls.namedGroups()).containsExactly("x25519", "ffdhe2048");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "ciphers: moderne | 7 | listeners[0].tls.ciphers: expected modern, intermediate or a list of cipher suite names, got \"moderne\"",
        "ciphers: [TLS_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA265] | 7 | listeners[0].tls.ciphers[1]: \"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA265\" is not a cipher suite this JDK supports",
        "ciphers: TLS_FOO | 7 | listeners[0].tls.ciphers[0]: \"TLS_FOO\" is not a cipher suite this JDK supports",
        "ciphers: [] | 7 | listeners[0].tls.ciphers: the list of cipher suites is empty",
        "named-groups: [x25519, p256] | 7 | listeners[0].tls.named-groups[1]: \"p256\" is not a named group this JDK supports",
        "cipher: modern | 7 | listeners[0].tls.cipher: unknown key (did you mean \"ciphers\"?)",
    })
    void aBadValueNamesFileLineAndKey(String tlsLine, int line, String message) throws IOException {
        Path file = write(tlsLine);
        assertThatThrownBy(() -> ConfigLoader.load(file)).isInstanceOfSatisfying(ConfigException.class, e ->
                assertThat(e.errors()).anySatisfy(error -> assertThat(error)
                        .startsWith(file + ":" + line + ": ").contains(message.strip())));
    }
}
