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

/** The milter phase check's keys: defaults, and errors naming file, line and key. */
class MilterPhaseCheckConfigTest {
    @TempDir
    Path directory;

    private static final String LISTENER = """
            listeners:
              - name: in
                bind: 127.0.0.1:2525
                phases:
                  connect: [m]
                  rcpt: [m]
                  data: [m]
            phase-checks:
              - name: m
                type: milter
            """;

    @Test
    void hasDefaultsAndIsRead() throws Exception {
        PhaseCheckConfig.Milter defaults = load("    address: 127.0.0.1:8893\n");
        assertThat(defaults.endpoint().port()).isEqualTo(8893);
        assertThat(defaults.timeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(defaults.failOpen()).isFalse();
        PhaseCheckConfig.Milter set = load("    socket: /run/m.sock\n    timeout: 5s\n    on-failure: accept\n");
        assertThat(set.endpoint().unixSocket()).isEqualTo(Path.of("/run/m.sock"));
        assertThat(set.timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(set.failOpen()).isTrue();
    }

    private PhaseCheckConfig.Milter load(String keys) throws Exception {
        GatewayConfig config = ConfigLoader.load(Files.writeString(directory.resolve("p.yaml"), LISTENER + keys));
        return (PhaseCheckConfig.Milter) config.phaseChecks().get("m");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "address: 127.0.0.1:1\\n    on-failure: reject | 12 | phase-checks[0].on-failure: expected accept or tempfail, got \"reject\"",
        "address: 127.0.0.1:1\\n    timeout: 0s         | 12 | phase-checks[0].timeout: the milter's timeout must be longer than 0",
        "address: 127.0.0.1:1\\n    timeout: soon       | 12 | phase-checks[0].timeout: expected a duration",
        "address: 127.0.0.1:99999                       | 11 | phase-checks[0].address: \"127.0.0.1:99999\" needs a port",
        "port: 1                                        | 11 | phase-checks[0].port",
        "address: 127.0.0.1:1\\n    socket: /run/m      | 12 | phase-checks[0].socket: give either address or socket"})
    void badValuesNameFileLineAndKey(String keys, int line, String message) throws IOException {
        Path file = Files.writeString(directory.resolve("p.yaml"), LISTENER + "    " + keys.strip().replace("\\n", "\n") + "\n");
        assertThatThrownBy(() -> ConfigLoader.load(file)).isInstanceOfSatisfying(ConfigException.class, e ->
                assertThat(e.errors()).anySatisfy(error -> assertThat(error)
                        .startsWith(file + ":" + line + ": ").contains(message.strip())));
    }

    @Test
    void needsAnAddressOrSocket() throws Exception {
        Path file = Files.writeString(directory.resolve("p.yaml"), LISTENER);
        assertThatThrownBy(() -> ConfigLoader.load(file)).isInstanceOfSatisfying(ConfigException.class, e ->
                assertThat(e.errors()).anySatisfy(error -> assertThat(error).contains("phase-checks[0].address: required key is missing")));
    }
}
