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
 * The keys of issue 12's session caps (limits: max-junk-commands, max-transactions,
 * max-session-time) and of bare-line-ends: their defaults, and errors naming file, line and key.
 */
class SessionAbuseConfigTest {
    @TempDir
    Path directory;

    private static final String LISTENER = "listeners:\n  - name: in\n    bind: 127.0.0.1:2525\n";

    private ListenerConfig load(String listenerKeys) throws Exception {
        return ConfigLoader.load(Files.writeString(directory.resolve("p.yaml"), LISTENER + listenerKeys))
                .listeners().getFirst();
    }

    @Test
    void sessionCapsHaveDefaultsAndAreRead() throws Exception {
        ListenerLimits defaults = load("").limits();
        assertThat(defaults.maxJunkCommands()).isEqualTo(100);
        assertThat(defaults.maxTransactions()).isEqualTo(1000);
        assertThat(defaults.maxSessionTime()).isEqualTo(Duration.ofHours(1));
        ListenerLimits set = load("    limits:\n      max-junk-commands: 20\n      max-transactions: 50\n"
                + "      max-session-time: 10m\n").limits();
        assertThat(set.maxJunkCommands()).isEqualTo(20);
        assertThat(set.maxTransactions()).isEqualTo(50);
        assertThat(set.maxSessionTime()).isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void bareLineEndsIsNormalizeWhereAuthIsRequiredAndRejectElsewhere() throws Exception {
        assertThat(load("").policy().bareLineEnds()).isEqualTo(ListenerPolicy.BareLineEnds.REJECT);
        assertThat(load("    relay: networks\n    relay-networks: [10.0.0.0/8]\n").policy().bareLineEnds())
                .isEqualTo(ListenerPolicy.BareLineEnds.REJECT);
        assertThat(load("    auth: {required: false}\n").policy().bareLineEnds()).isEqualTo(ListenerPolicy.BareLineEnds.REJECT);
        assertThat(load("    auth: {required: true}\n").policy().bareLineEnds()).isEqualTo(ListenerPolicy.BareLineEnds.NORMALIZE);
        assertThat(load("    auth: {required: true}\n    bare-line-ends: reject\n").policy().bareLineEnds())
                .isEqualTo(ListenerPolicy.BareLineEnds.REJECT);
        assertThat(load("    bare-line-ends: Normalize\n").policy().bareLineEnds()).isEqualTo(ListenerPolicy.BareLineEnds.NORMALIZE);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "    limits:\\n      max-junk-commands: 0      | 5 | listeners[0].limits.max-junk-commands: expected a whole number from 1",
        "    limits:\\n      max-transactions: lots    | 5 | listeners[0].limits.max-transactions: expected a whole number",
        "    limits:\\n      max-session-time: 500ms   | 5 | listeners[0].limits.max-session-time: must be at least 1s",
        "    limits:\\n      max-session-time: 1       | 5 | listeners[0].limits.max-session-time: expected a duration",
        "    bare-line-ends: fix                       | 4 | listeners[0].bare-line-ends: expected reject or normalize, got \"fix\""})
    void badValuesNameFileLineAndKey(String keys, int line, String message) throws IOException {
        Path file = Files.writeString(directory.resolve("p.yaml"), LISTENER + "    " + keys.strip().replace("\\n", "\n") + "\n");
        assertThatThrownBy(() -> ConfigLoader.load(file)).isInstanceOfSatisfying(ConfigException.class, e ->
                assertThat(e.errors()).anySatisfy(error -> assertThat(error)
                        .startsWith(file + ":" + line + ": ").contains(message.strip())));
    }
}
