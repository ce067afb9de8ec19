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
 * A check with {@code action: score} only adds to the session's score, and only the listener's
 * {@code reject-score} turns a score into a refusal. A listener that names a scoring check without
 * a {@code reject-score} would let every client through that check (a careless admin's block
 * list that blocks nothing): the configuration is refused, naming the listener and the check.
 */
class ScoringCheckNeedsRejectScoreConfigTest {
    @TempDir
    Path directory;

    private Path write(String phases, String check) throws Exception {
        return Files.writeString(directory.resolve("portcullis.yaml"), """
                listeners:
                  - name: in
                    flow: inbound
                    bind: 127.0.0.1:2525
                    phases:
                %s
                phase-checks:
                %s
                """.formatted(phases.indent(6).stripTrailing(), check.indent(2).stripTrailing()));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            '- {name: scored, type: helo, action: score, weight: 5}'                                        | 'helo: [scored]'
            '- {name: scored, type: reverse-dns, action: score, weight: 2}'                                 | 'connect: [scored]'
            '- {name: scored, type: sender-domain, action: score, weight: 2}'                               | 'mail: [scored]'
            '- {name: scored, type: dnsbl, zones: [bl.example.test], action: score}' | 'connect: [scored]'
            """)
    void aScoringCheckOnAListenerWithoutRejectScoreIsAnError(String check, String phases) throws Exception {
        Path file = write(phases, check);
        assertThatThrownBy(() -> ConfigLoader.load(file)).isInstanceOfSatisfying(ConfigException.class, e ->
                assertThat(e.errors()).anySatisfy(error -> assertThat(error)
                        .startsWith(file + ":")
                        .contains("listeners[0].phases")
                        .contains("\"scored\" only scores, but this listener has no reject-score")));
    }

    @Test
    void withRejectScoreItIsFine() throws Exception {
        GatewayConfig config = ConfigLoader.load(write("helo: [scored]\nreject-score: 5",
                "- {name: scored, type: helo, action: score, weight: 5}"));
        assertThat(config.listeners().getFirst().phases().rejectScore()).isEqualTo(5.0);
    }

    @Test
    void aDnsAllowListThatOnlyAllowListsNeedsNoRejectScore() throws Exception {
        GatewayConfig config = ConfigLoader.load(write("connect: [dnswl]",
                "- {name: dnswl, type: dnsbl, zones: [\"wl.example.test*-5\"], action: score}"));
        assertThat(config.phaseChecks()).containsKey("dnswl");
    }

    @Test
    void aRefusingCheckNeedsNoRejectScore() throws Exception {
        GatewayConfig config = ConfigLoader.load(write("helo: [checked]",
                "- {name: checked, type: helo, action: reject}"));
        assertThat(config.phaseChecks()).containsKey("checked");
    }
}
