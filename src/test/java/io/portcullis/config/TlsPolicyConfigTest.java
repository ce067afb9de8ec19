package io.portcullis.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The per-destination TLS levels: {@code tls} (with the old names {@code opportunistic} and
 * {@code required} still read), the {@code tls-policy} table and its look-up order, and the rule
 * that a DANE level needs a validating resolver on loopback; each bad value named by file, line
 * and key.
 */
class TlsPolicyConfigTest {
    private static final String LISTENER = "listeners:\n  - name: in\n    flow: inbound\n    bind: 127.0.0.1:2525\n";

    @TempDir
    Path directory;

    private GatewayConfig load(String rest) throws Exception {
        return ConfigLoader.load(Files.writeString(directory.resolve("portcullis.yaml"), LISTENER + rest));
    }

    private ConnectorConfig.SmtpOptions mx(String options) throws Exception {
        return ((ConnectorConfig.Mx) load("connectors:\n  - name: out\n    type: mx\n" + options).connectors().getFirst()).options();
    }

    @ParameterizedTest(name = "tls: {0}")
    @CsvSource({"opportunistic, MAY", "required, VERIFY", "none, NONE", "may, MAY", "encrypt, ENCRYPT", "verify, VERIFY",
        "secure, SECURE", "Encrypt, ENCRYPT"})
    void levelsAndTheirOldNames(String text, ConnectorConfig.TlsPolicy level) throws Exception {
        assertThat(mx("    tls: " + text + "\n").tls()).isEqualTo(level);
    }

    @Test
    void theDefaultIsMay() throws Exception {
        assertThat(mx("").tls()).isEqualTo(ConnectorConfig.TlsPolicy.MAY);
    }

    @Test
    void policyTableIsLookedUpByNameThenParentsThenDefault() throws Exception {
        ConnectorConfig.SmtpOptions options = mx("""
                    tls: encrypt
                    tls-policy:
                      example.org: secure
                      .example.org: verify
                      .org: none
                      Example.NET: dane-only
                """ + "delivery:\n  dns-resolver: 127.0.0.1:5353\n");
        assertThat(options.tlsFor("example.org")).isEqualTo(ConnectorConfig.TlsPolicy.SECURE);
        assertThat(options.tlsFor("mail.example.org")).isEqualTo(ConnectorConfig.TlsPolicy.VERIFY);
        assertThat(options.tlsFor("a.b.example.org.")).isEqualTo(ConnectorConfig.TlsPolicy.VERIFY);
        assertThat(options.tlsFor("other.org")).isEqualTo(ConnectorConfig.TlsPolicy.NONE);
        assertThat(options.tlsFor("EXAMPLE.net")).isEqualTo(ConnectorConfig.TlsPolicy.DANE_ONLY);
        assertThat(options.tlsFor("sub.example.net")).isEqualTo(ConnectorConfig.TlsPolicy.ENCRYPT);
        assertThat(options.tlsFor("example.com")).isEqualTo(ConnectorConfig.TlsPolicy.ENCRYPT);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "unknown level         | 8 | connectors[0].tls: expected none, may, encrypt, verify, secure, dane or dane-only"
            + " (opportunistic is may, required is verify), got \"strict\"",
        "unknown policy level  | 10 | connectors[0].tls-policy.example.org: expected none, may, encrypt, verify, secure, dane or"
            + " dane-only (opportunistic is may, required is verify), got \"sometimes\"",
        "policy key no domain  | 10 | connectors[0].tls-policy.exa mple.org: \"exa mple.org\" must be a domain or .domain",
        "dane without resolver | 8 | connectors[0].tls: dane needs delivery.dns-resolver: a validating resolver on loopback"
            + " (such as unbound on 127.0.0.1:53), whose AD bit says the answers are DNSSEC-validated, or"
            + " delivery.dnssec-trust-anchors to validate in process; got the system's resolvers",
        "dane, remote resolver | 8 | connectors[0].tls-policy: dane needs delivery.dns-resolver: a validating resolver on"
            + " loopback (such as unbound on 127.0.0.1:53), whose AD bit says the answers are DNSSEC-validated, or"
            + " delivery.dnssec-trust-anchors to validate in process; got 192.0.2.53:53",
        "auth with a may entry | 13 | connectors[0].auth: auth needs tls: required (a verified certificate), got tls: a"
            + " tls-policy entry that does not verify"})
    void badValuesNameFileLineAndKey(String name, int line, String message) throws Exception {
        String connector = "connectors:\n  - name: out\n    type: mx\n";
        String rest = switch (name.strip()) {
            case "unknown level" -> connector + "    tls: strict\n";
            case "unknown policy level" -> connector + "    tls: may\n    tls-policy:\n      example.org: sometimes\n";
            case "policy key no domain" -> connector + "    tls: may\n    tls-policy:\n      \"exa mple.org\": may\n";
            case "dane without resolver" -> connector + "    tls: dane\n";
            case "dane, remote resolver" -> connector + "    tls-policy:\n      example.org: dane\n"
                    + "delivery:\n  dns-resolver: 192.0.2.53:53\n";
            case "auth with a may entry" -> "connectors:\n  - name: out\n    type: smarthost\n    hosts: [relay.example.test]\n"
                    + "    tls: verify\n    tls-policy:\n      relay.example.test: verify\n      .example.test: may\n"
                    + "    auth:\n      username: gw\n      password: pw\n";
            default -> throw new IllegalArgumentException(name);
        };
        Path file = Files.writeString(directory.resolve("portcullis.yaml"), LISTENER + rest);
        assertThatThrownBy(() -> ConfigLoader.load(file)).isInstanceOfSatisfying(ConfigException.class, e ->
                assertThat(e.errors()).anySatisfy(error -> assertThat(error)
                        .startsWith(file + ":" + line + ": ").contains(message.strip())));
    }

    @Test
    void daneWithTrustAnchorsMayAskAnyResolver() throws Exception {
        Files.writeString(directory.resolve("anchors"), "example. IN DS 12345 13 2 "
                + "0000000000000000000000000000000000000000000000000000000000000000\n");
        GatewayConfig config = load("connectors:\n  - name: out\n    type: mx\n    tls: dane\n"
                + "delivery:\n  dns-resolver: 192.0.2.53:53\n  dnssec-trust-anchors: anchors\n");
        assertThat(config.delivery().dnssecTrustAnchors()).isEqualTo(directory.resolve("anchors"));
    }

    @Test
    void daneWithAResolverOnLoopbackLoads() throws Exception {
        GatewayConfig config = load("connectors:\n  - name: out\n    type: mx\n    tls: dane-only\n"
                + "delivery:\n  dns-resolver: 127.0.0.1:5353\n");
        assertThat(((ConnectorConfig.Mx) config.connectors().getFirst()).options().tls()).isEqualTo(ConnectorConfig.TlsPolicy.DANE_ONLY);
    }
}
