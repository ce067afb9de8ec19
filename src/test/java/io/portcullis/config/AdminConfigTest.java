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

/** The admin section's limits: their defaults, and errors that name file, line and key. */
class AdminConfigTest {
    private static final String LISTENER = "listeners:\n  - name: in\n    flow: inbound\n    bind: 127.0.0.1:2525\n";

    @TempDir
    Path directory;

    private Path write(String admin) throws IOException {
        return Files.writeString(directory.resolve("gateway.yaml"), LISTENER + "admin:\n  bind: 127.0.0.1:8025\n" + admin);
    }

    @Test
    void everyLimitHasADefault() throws Exception {
        AdminConfig admin = ConfigLoader.load(write("")).admin();
        assertThat(admin).isEqualTo(AdminConfig.withDefaults(admin.bind(), null));
        assertThat(admin.maxConnections()).isEqualTo(64);
        assertThat(admin.requestTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(admin.idleTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(admin.maxHeaderSize()).isEqualTo(8192);
        assertThat(admin.maxBodySize()).isEqualTo(65536);
        assertThat(admin.threads()).isEqualTo(16);
    }

    @Test
    void theLimitsAreRead() throws Exception {
        AdminConfig admin = ConfigLoader.load(write("  max-connections: 8\n  request-timeout: 3s\n  idle-timeout: 1m\n"
                + "  max-header-size: 16KB\n  max-body-size: 1KB\n  threads: 6\n")).admin();
        assertThat(admin).isEqualTo(new AdminConfig(admin.bind(), null, 8, Duration.ofMinutes(1), Duration.ofSeconds(3),
                16384, 1024, 6));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "max-connections: 0       | admin.max-connections | whole number from 1",
            "threads: 2               | admin.threads         | whole number from 4",
            "request-timeout: 0s      | admin.request-timeout | longer than 0",
            "request-timeout: 10      | admin.request-timeout | expected a duration",
            "idle-timeout: 0ms        | admin.idle-timeout    | longer than 0",
            "max-header-size: 100     | admin.max-header-size | from 1KB to 1MB",
            "max-body-size: 1GB       | admin.max-body-size   | from 0 to 64MB",
            "max-conections: 10       | admin.max-conections  | did you mean",
            "token: short             | admin.token           | at least 16 characters"})
    void aBadValueNamesFileLineAndKey(String line, String key, String message) throws Exception {
        Path file = write("  " + line + "\n");
        assertThatThrownBy(() -> ConfigLoader.load(file)).isInstanceOfSatisfying(ConfigException.class, e ->
                assertThat(e.errors()).anySatisfy(error -> assertThat(error)
                        .startsWith(file + ":7: " + key + ": ").contains(message)));
    }
}
