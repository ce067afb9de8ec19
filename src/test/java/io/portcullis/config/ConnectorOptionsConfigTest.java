package io.portcullis.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The SMTP connectors' security and deadline options: {@code timeouts} (RFC 5321 defaults, the
 * old {@code data} name), {@code auth} only with {@code tls: required}, and
 * {@code allow-internal-addresses}; each bad value named by file, line and key.
 */
class ConnectorOptionsConfigTest {
    private static final String LISTENER = "listeners:\n  - name: in\n    flow: inbound\n    bind: 127.0.0.1:2525\n";

    @TempDir
    Path directory;

    private GatewayConfig load(String connectors) throws Exception {
        return ConfigLoader.load(Files.writeString(directory.resolve("portcullis.yaml"), LISTENER + "connectors:\n" + connectors));
    }

    private ConnectorConfig.SmtpOptions options(String connector) throws Exception {
        return switch (load(connector).connectors().getFirst()) {
            case ConnectorConfig.Smarthost smarthost -> smarthost.options();
            case ConnectorConfig.Mx mx -> mx.options();
            case ConnectorConfig.Drop drop -> throw new AssertionError(drop);
        };
    }

    @Test
    void timeoutsDefaultToRfc5321() throws Exception {
        assertThat(options("  - name: out\n    type: mx\n").timeouts()).isEqualTo(new ConnectorConfig.Timeouts(
                Duration.ofSeconds(30), Duration.ofMinutes(5), Duration.ofMinutes(5), Duration.ofMinutes(3), Duration.ofMinutes(10)));
    }

    @Test
    void readsEveryTimeoutAndTheOldNameOfFinal() throws Exception {
        assertThat(options("  - name: out\n    type: mx\n    timeouts: {connect: 1s, greeting: 2s, command: 3s, data-block: 4s, final: 5s}\n")
                .timeouts()).isEqualTo(new ConnectorConfig.Timeouts(Duration.ofSeconds(1), Duration.ofSeconds(2),
                Duration.ofSeconds(3), Duration.ofSeconds(4), Duration.ofSeconds(5)));
        assertThat(options("  - name: out\n    type: mx\n    timeouts: {connect: 30s, command: 5m, data: 7m}\n").timeouts().finalReply())
                .isEqualTo(Duration.ofMinutes(7));
    }

    @Test
    void allowInternalAddressesAreNetworks() throws Exception {
        ConnectorConfig.Mx mx = (ConnectorConfig.Mx) load("  - name: out\n    type: mx\n    allow-internal-addresses: [127.0.0.0/8, \"fd00::/8\"]\n")
                .connectors().getFirst();
        assertThat(mx.allowInternalAddresses()).extracting(Cidr::text).containsExactly("127.0.0.0/8", "fd00::/8");
        assertThat(((ConnectorConfig.Mx) load("  - name: out\n    type: mx\n").connectors().getFirst()).allowInternalAddresses()).isEmpty();
    }

    @Test
    void authWithRequiredTlsIsAccepted() throws Exception {
        ConnectorConfig.SmtpOptions options = options("  - name: out\n    type: smarthost\n    hosts: [relay.example.test]\n"
                + "    tls: required\n    auth:\n      username: gw\n      password: pw\n");
        assertThat(options.username()).isEqualTo("gw");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "auth with opportunistic TLS | 10 | connectors[0].auth: auth needs tls: required (a verified certificate), got tls: opportunistic",
        "auth with the default TLS   | 9  | connectors[0].auth: auth needs tls: required (a verified certificate), got tls: opportunistic",
        "auth without TLS            | 10 | connectors[0].auth: auth needs tls: required (a verified certificate), got tls: none",
        "zero timeout                | 10 | connectors[0].timeouts.command: expected a timeout from 1ms to 1h, got \"0s\"",
        "huge timeout                | 11 | connectors[0].timeouts.final: expected a timeout from 1ms to 1h, got \"2d\"",
        "old and new final           | 10 | connectors[0].timeouts.data: data is the old name of final: give only final",
        "unknown timeout             | 10 | connectors[0].timeouts.data-blok: unknown key (did you mean \"data-block\"?)",
        "bad network                 | 9  | connectors[0].allow-internal-addresses: \"10.0.0.0/33\" is not a network",
        "allow-list on a smarthost   | 9  | connectors[0].allow-internal-addresses: only mx connectors check addresses from DNS"})
    void badOptionsNameFileLineAndKey(String name, int line, String message) throws IOException {
        String base = "  - name: out\n    type: smarthost\n    hosts: [relay.example.test]\n";
        String connector = switch (name.strip()) {
            case "auth with opportunistic TLS" -> base + "    tls: opportunistic\n    auth:\n      username: gw\n      password: pw\n";
            case "auth with the default TLS" -> base + "    auth:\n      username: gw\n      password: pw\n";
            case "auth without TLS" -> base + "    tls: none\n    auth:\n      username: gw\n      password: pw\n";
            case "zero timeout" -> base + "    timeouts:\n      command: 0s\n";
            case "huge timeout" -> base + "    timeouts:\n      command: 1m\n      final: 2d\n";
            case "old and new final" -> base + "    timeouts:\n      data: 5m\n      final: 5m\n";
            case "unknown timeout" -> base + "    timeouts:\n      data-blok: 5m\n";
            case "bad network" -> "  - name: out\n    type: mx\n    allow-internal-addresses:\n      - 10.0.0.0/33\n";
            case "allow-list on a smarthost" -> base + "    allow-internal-addresses: [127.0.0.0/8]\n";
            default -> throw new IllegalArgumentException(name);
        };
        Path file = Files.writeString(directory.resolve("portcullis.yaml"), LISTENER + "connectors:\n" + connector);
        assertThatThrownBy(() -> ConfigLoader.load(file)).isInstanceOfSatisfying(ConfigException.class, e ->
                assertThat(e.errors()).anySatisfy(error -> assertThat(error)
                        .startsWith(file + ":" + line + ": ").contains(message.strip())));
    }
}
