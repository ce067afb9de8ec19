package io.portcullis.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.testing.TestGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code database:} is absent by default (local files only), read with defaults, and its errors name the file, line and key. */
class DatabaseConfigTest {
    @TempDir
    Path directory;

    private GatewayConfig load(String section) throws Exception {
        return ConfigLoader.load(Files.writeString(directory.resolve("gateway.yaml"), TestGateway.defaultYaml("") + section));
    }

    @Test
    void absentMeansNoDatabaseAndTheEmbeddedDefaultNeedsNone() throws Exception {
        assertThat(load("").database().enabled()).isFalse();
        assertThat(ConfigLoader.embeddedDefault().database()).isEqualTo(DatabaseConfig.NONE);
    }

    @Test
    void readsEveryKeyWithDefaults() throws Exception {
        Files.writeString(directory.resolve("password"), "s3cret\n");
        DatabaseConfig config = load("""
                database:
                  url: jdbc:postgresql://db.example.test:5432/portcullis
                  user: gateway
                  password-file: password
                  buffer:
                    directory: buffer
                    max-bytes: 1MB
                  retry-interval: 2s
                """).database();
        assertThat(config.enabled()).isTrue();
        assertThat(config.user()).isEqualTo("gateway");
        assertThat(config.passwordFile()).isEqualTo(directory.resolve("password"));
        assertThat(config.bufferDirectory()).isEqualTo(directory.resolve("buffer"));
        assertThat(config.bufferMaxBytes()).isEqualTo(1024 * 1024);
        assertThat(config.retryInterval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.poolSize()).isEqualTo(4);
        assertThat(config.flushInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(config.batchSize()).isEqualTo(500);
    }

    @Test
    void errorsNameTheFileLineAndKey() {
        assertThatThrownBy(() -> load("database:\n  user: gateway\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("gateway.yaml")
                .hasMessageContaining("database.url").hasMessageContaining("required key is missing");
        assertThatThrownBy(() -> load("database:\n  url: postgres://db/x\n  pool-size: 0\n  buffer:\n    max-bytes: 1K\n"
                + "  password-file: nowhere\n  flush-intervall: 1s\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("database.url").hasMessageContaining("jdbc:postgresql://")
                .hasMessageContaining("database.pool-size").hasMessageContaining("database.buffer.max-bytes")
                .hasMessageContaining("database.password-file")
                .hasMessageContaining("did you mean \"flush-interval\"");
    }
}
