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

/** {@code tls.reload-interval}: 60s by default, from 1s to 1d, errors that name file, line and key. */
class TlsReloadIntervalConfigTest {
    @TempDir
    Path directory;

    private Path write(String tlsLines) throws IOException {
        return Files.writeString(directory.resolve("portcullis.yaml"), """
                listeners:
                  - name: in
                    flow: inbound
                    bind: 127.0.0.1:2525
                    tls:
                      self-signed: true
                """ + tlsLines.stripIndent().indent(6));
    }

    @Test
    void theDefaultIsAMinuteAndAValueIsRead() throws Exception {
        assertThat(ConfigLoader.load(write("")).listeners().getFirst().tls().reloadInterval())
                .isEqualTo(Duration.ofSeconds(60));
        assertThat(ConfigLoader.load(write("reload-interval: 5m")).listeners().getFirst().tls().reloadInterval())
                .isEqualTo(Duration.ofMinutes(5));
        assertThat(ConfigLoader.embeddedDefault().listeners()).allSatisfy(listener ->
                assertThat(listener.tls().reloadInterval()).isEqualTo(TlsConfig.DEFAULT_RELOAD_INTERVAL));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "reload-interval: 0s | listeners[0].tls.reload-interval: must be from 1s to 1d",
        "reload-interval: 500ms | listeners[0].tls.reload-interval: must be from 1s to 1d",
        "reload-interval: 2d | listeners[0].tls.reload-interval: must be from 1s to 1d",
        "reload-interval: 60 | listeners[0].tls.reload-interval: expected a duration such as 30s, 5m or 2h, got \"60\"",
        "reload-intervall: 1m | listeners[0].tls.reload-intervall: unknown key (did you mean \"reload-interval\"?)",
    })
    void aBadValueNamesFileLineAndKey(String tlsLine, String message) throws IOException {
        Path file = write(tlsLine);
        assertThatThrownBy(() -> ConfigLoader.load(file)).isInstanceOfSatisfying(ConfigException.class, e ->
                assertThat(e.errors()).anySatisfy(error -> assertThat(error).startsWith(file + ":7: ")
                        .contains(message.strip())));
    }
}
