package io.portcullis.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The greylist check's keys: defaults, and errors that name file, line and key. */
class GreylistConfigTest {
    @TempDir
    Path directory;

    private Path write(String checkOptions) throws Exception {
        return Files.writeString(directory.resolve("portcullis.yaml"), """
                listeners:
                  - name: in
                    flow: inbound
                    bind: 127.0.0.1:2525
                    phases:
                      rcpt: [greylist]
                phase-checks:
                  - name: greylist
                    type: greylist
                """ + checkOptions.indent(4));
    }

    @Test
    void defaults() throws Exception {
        GatewayConfig config = ConfigLoader.load(write(""));
        assertThat(config.phaseChecks().get("greylist")).isEqualTo(new PhaseCheckConfig.Greylist("greylist",
                Duration.ofMinutes(5), Duration.ofHours(24), Duration.ofDays(36), 5, 1_000_000, 24, 64, false));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            delay: soon              | 10 | phase-checks[0].delay: expected a duration
            max-entries: 10          | 10 | phase-checks[0].max-entries: expected a whole number from 100
            ipv4-prefix: 33          | 10 | phase-checks[0].ipv4-prefix: expected a whole number from 8 to 32
            ipv6-prefix: 8           | 10 | phase-checks[0].ipv6-prefix: expected a whole number from 16 to 128
            auto-allow-after: -1     | 10 | phase-checks[0].auto-allow-after: expected a whole number
            spf-domain: maybe        | 10 | phase-checks[0].spf-domain: expected true or false
            window: 5m               | 10 | phase-checks[0].window: the window (PT5M) must be longer than the delay
            expiry: 1h               | 10 | phase-checks[0].expiry: the expiry (PT1H) must not be shorter than the window
            dealy: 1m                | 10 | phase-checks[0].dealy: unknown key
            """)
    void badValuesNameTheKeyAndLine(String option, int line, String message) throws Exception {
        Path file = write(option);
        assertThatThrownBy(() -> ConfigLoader.load(file)).isInstanceOfSatisfying(ConfigException.class, e ->
                assertThat(e.errors()).anySatisfy(error -> assertThat(error)
                        .startsWith(file + ":" + line + ": ").contains(message)));
    }

    @Test
    void greylistingRunsOnlyAtRcptOrData() throws Exception {
        Path file = Files.writeString(write("").resolveSibling("connect.yaml"),
                Files.readString(write("")).replace("rcpt: [greylist]", "mail: [greylist]"));
        assertThatThrownBy(() -> ConfigLoader.load(file)).isInstanceOfSatisfying(ConfigException.class, e ->
                assertThat(e.errors()).anySatisfy(error -> assertThat(error)
                        .contains("\"greylist\" cannot run at mail (it runs at rcpt, data)")));
    }
}
