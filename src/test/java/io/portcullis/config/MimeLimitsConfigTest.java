package io.portcullis.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The MIME limits under a listener's {@code content:}: defaults, values, and errors naming file, line and key. */
class MimeLimitsConfigTest {
    @TempDir
    Path directory;

    private static String listener(String limits, String content) {
        return "listeners:\n  - name: in\n    flow: inbound\n    bind: 127.0.0.1:2525\n" + limits
                + "    content:\n      chain: [rules]\n" + content + "checks:\n  - name: rules\n    type: rules\n";
    }

    @Test
    void defaultsFollowTheListenersMessageSize() throws Exception {
        Path file = Files.writeString(directory.resolve("p.yaml"), listener("    limits:\n      max-message-size: 10MB\n", ""));
        MimeLimits limits = ConfigLoader.load(file).listeners().getFirst().content().mimeLimits();
        assertThat(limits).isEqualTo(new MimeLimits(1000, 20, 20L << 20));
    }

    @Test
    void readsEveryLimit() throws Exception {
        Path file = Files.writeString(directory.resolve("p.yaml"), listener("",
                "      max-mime-parts: 50\n      max-mime-depth: 5\n      max-decoded-size: 64KB\n"));
        MimeLimits limits = ConfigLoader.load(file).listeners().getFirst().content().mimeLimits();
        assertThat(limits).isEqualTo(new MimeLimits(50, 5, 64 << 10));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "max-mime-parts: 0        | listeners[0].content.max-mime-parts: expected a whole number from 1 to 1000000",
        "max-mime-depth: 101      | listeners[0].content.max-mime-depth: expected a whole number from 1 to 100",
        "max-decoded-size: lots   | listeners[0].content.max-decoded-size: expected a size",
        "max-decoded-size: 10     | listeners[0].content.max-decoded-size: must be at least 1KB",
        "max-mime-part: 10        | listeners[0].content.max-mime-part: unknown key (did you mean \"max-mime-parts\"?)"})
    void badValueNamesFileLineAndKey(String setting, String message) throws IOException {
        Path file = Files.writeString(directory.resolve("p.yaml"), listener("", "      " + setting.strip() + "\n"));
        assertThatThrownBy(() -> ConfigLoader.load(file)).isInstanceOfSatisfying(ConfigException.class, e ->
                assertThat(e.errors()).anySatisfy(error -> assertThat(error)
                        .startsWith(file + ":7: ").contains(message.strip())));
    }
}
