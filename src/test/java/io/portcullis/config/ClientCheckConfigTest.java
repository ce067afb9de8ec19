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
 * The keys of the client checks (phase-checks of type reverse-dns, helo, sender-domain) and of
 * phases.tarpit: their defaults, and errors naming file, line and key.
 */
class ClientCheckConfigTest {
    @TempDir
    Path directory;

    private static final String LISTENER = "listeners:\n  - name: in\n    bind: 127.0.0.1:2525\n";

    private GatewayConfig load(String yaml) throws Exception {
        return ConfigLoader.load(Files.writeString(directory.resolve("p.yaml"), yaml));
    }

    @Test
    void checksHaveDefaults() throws Exception {
        GatewayConfig config = load(LISTENER + "    phases: {connect: [rdns], helo: [helo], mail: [domain]}\n"
                + "phase-checks:\n  - {name: rdns, type: reverse-dns}\n  - {name: helo, type: helo}\n"
                + "  - {name: domain, type: sender-domain}\n");
        assertThat(config.phaseChecks().get("rdns")).isEqualTo(new PhaseCheckConfig.ReverseDns("rdns",
                CheckAction.DEFAULT, true, 10, Duration.ofSeconds(5)));
        assertThat(config.phaseChecks().get("helo")).isEqualTo(new PhaseCheckConfig.Helo("helo", CheckAction.DEFAULT,
                true, true, false, java.util.List.of(), java.util.List.of(), Duration.ofSeconds(5)));
        assertThat(config.phaseChecks().get("domain")).isEqualTo(new PhaseCheckConfig.SenderDomain("domain",
                CheckAction.DEFAULT, Duration.ofSeconds(5)));
        assertThat(config.listeners().getFirst().phases().tarpit()).isNull();
    }

    @Test
    void actionsAndTarpitAreRead() throws Exception {
        GatewayConfig config = load(LISTENER + "    phases:\n      rcpt: [rdns]\n      tarpit: {delay: 2s, max-delay: 30s}\n"
                + "phase-checks:\n  - {name: rdns, type: reverse-dns, action: score, weight: -1.5, dns-failure: skip,"
                + " require: ptr, max-names: 3, timeout: 800ms}\n");
        assertThat(config.phaseChecks().get("rdns")).isEqualTo(new PhaseCheckConfig.ReverseDns("rdns",
                new CheckAction(CheckAction.Kind.SCORE, -1.5, false), false, 3, Duration.ofMillis(800)));
        ListenerPhases.Tarpit tarpit = config.listeners().getFirst().phases().tarpit();
        assertThat(tarpit).isEqualTo(new ListenerPhases.Tarpit(Duration.ofSeconds(2), Duration.ofSeconds(30)));
        assertThat(tarpit.before(1)).isEqualTo(Duration.ofSeconds(2));
        assertThat(tarpit.before(3)).isEqualTo(Duration.ofSeconds(6));
        assertThat(tarpit.before(1_000_000)).isEqualTo(Duration.ofSeconds(30));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "'  - {name: c, type: helo, action: drop}' | 5 | phase-checks[0].action: expected reject, tempfail, score or log, got \"drop\"",
        "'  - {name: c, type: helo, weight: 3}' | 5 | phase-checks[0].weight: weight applies only to action: score",
        "'  - {name: c, type: helo, action: score, weight: lots}' | 5 | phase-checks[0].weight: expected a number",
        "'  - {name: c, type: sender-domain, dns-failure: ignore}' | 5 | phase-checks[0].dns-failure: expected tempfail",
        "'  - {name: c, type: reverse-dns, require: name}' | 5 | phase-checks[0].require: expected ptr",
        "'  - {name: c, type: reverse-dns, max-names: 0}' | 5 | phase-checks[0].max-names: expected a whole number from 1 to 100",
        "'  - {name: c, type: reverse-dns, timeout: 5h}' | 5 | phase-checks[0].timeout: expected a time budget from 1ms to 1m",
        "'  - {name: c, type: helo, require-fqdn: false, reject-our-names: false}' | 5 | phase-checks[0].type: a helo check needs at least one",
        "'  - {name: c, type: helo, our-addresses: [mx.example.test]}' | 5 | phase-checks[0].our-addresses[0]: expected an IP address",
        "'  - {name: c, type: helo, our-names: [\"a..b\"]}' | 5 | phase-checks[0].our-names[0]: expected a domain name",
        "'  - {name: c, type: sender-domain, require-fqdn: true}' | 5 | phase-checks[0].require-fqdn: unknown key",
    })
    void badCheckKeysNameFileLineAndKey(String check, int line, String message) throws IOException {
        Path file = Files.writeString(directory.resolve("p.yaml"), LISTENER + "phase-checks:\n" + check + "\n");
        assertThatThrownBy(() -> ConfigLoader.load(file)).isInstanceOfSatisfying(ConfigException.class, e ->
                assertThat(e.errors()).anySatisfy(error -> assertThat(error)
                        .startsWith(file + ":" + line + ": ").contains(message.strip())));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "{delay: 1s, max-delay: 5m} | listeners[0].phases.tarpit.max-delay: at most 4m",
        "{delay: 10s, max-delay: 5s} | listeners[0].phases.tarpit.max-delay: max-delay is shorter than delay",
        "{delay: soon} | listeners[0].phases.tarpit.delay: expected a duration",
        "{delay: 1s, max: 5s} | listeners[0].phases.tarpit.max: unknown key",
    })
    void badTarpitNamesFileLineAndKey(String tarpit, String message) throws IOException {
        Path file = Files.writeString(directory.resolve("p.yaml"), LISTENER + "    phases:\n      tarpit: " + tarpit + "\n");
        assertThatThrownBy(() -> ConfigLoader.load(file)).isInstanceOfSatisfying(ConfigException.class, e ->
                assertThat(e.errors()).anySatisfy(error -> assertThat(error)
                        .startsWith(file + ":5: ").contains(message.strip())));
    }
}
