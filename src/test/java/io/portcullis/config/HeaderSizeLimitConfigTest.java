package io.portcullis.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code limits.max-header-size}: a size with a default of 100KB, from 1KB to 16MB; our domains in A-label form. */
class HeaderSizeLimitConfigTest {
    @TempDir
    Path directory;

    private Path write(String limit) throws IOException {
        return Files.writeString(directory.resolve("portcullis.yaml"), "domains: [\"B\u00dcCHER.test\", \"\uff45xample.test\"]\n"
                + "listeners:\n  - name: in\n    flow: inbound\n    bind: 127.0.0.1:2525\n    tls: null\n    limits:\n"
                + "      " + limit + "\n");
    }

    @ParameterizedTest
    @CsvSource({"max-errors: 3, 102400", "max-header-size: 1KB, 1024", "max-header-size: 2MB, 2097152",
        "max-header-size: 16MB, 16777216"})
    void readsTheLimitOrTheDefault(String limit, long expected) throws Exception {
        GatewayConfig config = ConfigLoader.load(write(limit));
        assertThat(config.listeners().getFirst().limits().maxHeaderSize()).isEqualTo(expected);
        assertThat(config.routes().isLocal("xn--bcher-kva.test")).isTrue();
        assertThat(config.routes().isLocal("b\u00fccher.TEST")).isTrue();
        assertThat(config.routes().isLocal("example\u3002test")).isTrue();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "max-header-size: 1023  | listeners[0].limits.max-header-size: must be from 1KB to 16MB",
        "max-header-size: 17MB  | listeners[0].limits.max-header-size: must be from 1KB to 16MB",
        "max-header-size: lots  | listeners[0].limits.max-header-size: expected a size"})
    void badValuesNameFileLineAndKey(String limit, String message) throws IOException {
        Path file = write(limit);
        assertThatThrownBy(() -> ConfigLoader.load(file)).isInstanceOfSatisfying(ConfigException.class, e ->
                assertThat(e.errors()).anySatisfy(error -> assertThat(error).startsWith(file + ":8: ").contains(message)));
    }
}
