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

class ConfigLoaderTest {
    @TempDir
    Path directory;

    private Path write(String yaml) throws IOException {
        return Files.writeString(directory.resolve("portcullis.yaml"), yaml);
    }

    @Test
    void embeddedDefaultHasAnInboundAndAnOutboundListenerOnLoopback() throws ConfigException {
        GatewayConfig config = ConfigLoader.embeddedDefault();
        assertThat(config.listeners()).extracting(ListenerConfig::name).containsExactly("inbound", "outbound");
        assertThat(config.listeners()).extracting(l -> l.bind().getFirst().toString())
                .containsExactly("/127.0.0.1:2525", "/127.0.0.1:2587");
        assertThat(config.listeners()).allSatisfy(l -> assertThat(l.tls().selfSigned()).isTrue());
    }

    @Test
    void exampleConfigInTheRepositoryIsValid() throws ConfigException {
        Path example = Path.of("portcullis.example.yaml");
        GatewayConfig config = ConfigLoader.load(example);
        assertThat(config.listeners()).hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    void readsEveryListenerSetting() throws Exception {
        Files.writeString(directory.resolve("cert.pem"), "x");
        Files.writeString(directory.resolve("key.pem"), "x");
        GatewayConfig config = ConfigLoader.load(write("""
                hostname: mx.example.test
                spool:
                  min-free-space: 2GB
                listeners:
                  - name: inbound
                    flow: internet
                    bind: ["127.0.0.1:25", "[::1]:25"]
                    tls:
                      certificate: cert.pem
                      key: key.pem
                    limits:
                      max-connections: 10
                      max-connections-per-ip: 2
                      max-message-size: 10MB
                      max-recipients: 5
                      max-line-length: 2048
                      max-errors: 3
                      max-received-headers: 30
                      command-timeout: 30s
                      data-timeout: 2m
                      greeting-delay: 500ms
                """));
        ListenerConfig listener = config.listeners().getFirst();
        assertThat(config.spool().minFreeSpace()).isEqualTo(2L << 30);
        assertThat(listener.flow()).isEqualTo("internet");
        assertThat(listener.hostname()).isEqualTo("mx.example.test");
        assertThat(listener.bind()).hasSize(2);
        assertThat(listener.tls().certificate()).isEqualTo(directory.resolve("cert.pem"));
        assertThat(listener.limits()).isEqualTo(new ListenerLimits(10, 2, 10L << 20, 5, 2048, 3, 30,
                Duration.ofSeconds(30), Duration.ofMinutes(2), Duration.ofMillis(500), Duration.ofSeconds(10)));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "unknown key          | 6 | listeners[0].limts: unknown key (did you mean \"limits\"?)",
        "bad port             | 5 | listeners[0].bind: \"127.0.0.1:99999\" needs a port from 1 to 65535",
        "missing certificate  | 7 | listeners[0].tls.certificate: file",
        "bad size             | 7 | listeners[0].limits.max-message-size: expected a size",
        "bad duration         | 7 | listeners[0].limits.command-timeout: expected a duration",
        "bad number           | 7 | listeners[0].limits.max-errors: expected a whole number from 1 to 1000",
        "duplicate name       | 6 | listeners[1].name: another listener is already named \"in\"",
        "reserved flow        | 4 | listeners[0].flow: the flow \"local\" is reserved",
        "host name bind       | 5 | listeners[0].bind: \"localhost:25\" needs an IP address",
        "unknown check        | 6 | listeners[0].content.chain[1]: no check is named \"spam\"; defined: rules",
        "unknown check type   | 9 | checks[0].type: unknown check type \"spamassassin\"",
        "bad rule pattern     | 11 | checks[0].header-checks[0].pattern: not a regular expression (RE2 syntax)",
        "bad failure mode     | 6 | listeners[0].content.on-failure: expected fail-closed or fail-open",
        "not yaml             | 3 | not valid YAML"})
    void badConfigNamesFileLineAndKey(String name, int line, String message) throws IOException {
        String yaml = switch (name.strip()) {
            case "unknown key" -> "listeners:\n  - name: in\n    flow: inbound\n    bind: 127.0.0.1:2525\n\n    limts: {}\n";
            case "bad port" -> "listeners:\n  - name: in\n    flow: inbound\n    bind:\n      - 127.0.0.1:99999\n";
            case "missing certificate" -> "listeners:\n  - name: in\n    flow: inbound\n    bind: 127.0.0.1:2525\n    tls:\n"
                    + "      key: key.pem\n      certificate: missing.pem\n";
            case "bad size" -> limits("max-message-size: lots");
            case "bad duration" -> limits("command-timeout: 30");
            case "bad number" -> limits("max-errors: 0");
            case "duplicate name" -> "listeners:\n  - name: in\n    bind: 127.0.0.1:1\n  - bind: 127.0.0.1:2\n"
                    + "    flow: other\n    name: in\n";
            case "reserved flow" -> "listeners:\n  - name: in\n    bind: 127.0.0.1:1\n    flow: local\n";
            case "host name bind" -> "listeners:\n  - name: in\n    flow: inbound\n    bind:\n      - localhost:25\n";
            case "unknown check" -> content("chain: [rules, spam]", "rules", "");
            case "unknown check type" -> content("chain: [rules]", "spamassassin", "");
            case "bad rule pattern" -> content("chain: [rules]", "rules", "    header-checks:\n      - pattern: \"(unclosed\"\n");
            case "bad failure mode" -> content("on-failure: fail-sometimes", "rules", "");
            default -> "listeners:\n  - name: [unclosed\n";
        };
        Path file = write(yaml);
        assertThatThrownBy(() -> ConfigLoader.load(file)).isInstanceOfSatisfying(ConfigException.class, e ->
                assertThat(e.errors()).anySatisfy(error -> assertThat(error)
                        .startsWith(file + ":" + line + ": ").contains(message.strip())));
    }

    private static String content(String contentLine, String checkType, String checkExtra) {
        return "listeners:\n  - name: in\n    flow: inbound\n    bind: 127.0.0.1:2525\n    content:\n      " + contentLine
                + "\nchecks:\n  - name: rules\n    type: " + checkType + "\n" + checkExtra;
    }

    private static String limits(String limit) {
        return "listeners:\n  - name: in\n    flow: inbound\n    bind: 127.0.0.1:2525\n    tls: null\n    limits:\n      " + limit + "\n";
    }

    @Test
    void reportsEveryErrorAtOnceAndAMissingListenerList() throws IOException {
        Path file = write("hostname: bad_host!\nspool:\n  min-free: 1GB\n");
        assertThatThrownBy(() -> ConfigLoader.load(file)).isInstanceOfSatisfying(ConfigException.class, e ->
                assertThat(e.errors()).hasSize(3).anySatisfy(error -> assertThat(error).contains(":1: hostname:"))
                        .anySatisfy(error -> assertThat(error).contains(":3: spool.min-free: unknown key"))
                        .anySatisfy(error -> assertThat(error).contains("listeners: at least one listener is required")));
    }
}
