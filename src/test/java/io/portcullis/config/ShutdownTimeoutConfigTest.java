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

/** {@code shutdown-timeout}: the graceful stop's deadline, 30s unless set, from 0s to 59m. */
class ShutdownTimeoutConfigTest {
    private static final String LISTENER = "listeners:\n  - name: in\n    flow: inbound\n    bind: 127.0.0.1:2525\n";

    @TempDir
    Path directory;

    @Test
    void defaultsToThirtySecondsAndReadsAValue() throws Exception {
        assertThat(ConfigLoader.load(Files.writeString(directory.resolve("a.yaml"), LISTENER)).shutdownTimeout())
                .isEqualTo(Duration.ofSeconds(30));
        assertThat(ConfigLoader.load(Files.writeString(directory.resolve("b.yaml"), "shutdown-timeout: 2m\n" + LISTENER))
                .shutdownTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(ConfigLoader.embeddedDefault().shutdownTimeout()).isEqualTo(Duration.ofSeconds(30));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "30       | expected a duration such as 30s",
            "2h       | must be from 0s to 59m",
    })
    void refusesABadValueNamingFileLineAndKey(String value, String message) throws Exception {
        Path file = Files.writeString(directory.resolve("bad.yaml"), LISTENER + "shutdown-timeout: " + value + "\n");
        assertThatThrownBy(() -> ConfigLoader.load(file)).isInstanceOfSatisfying(ConfigException.class, e ->
                assertThat(e.errors()).anySatisfy(error -> assertThat(error)
                        .startsWith(file + ":5: shutdown-timeout: ").contains(message)));
    }
}
