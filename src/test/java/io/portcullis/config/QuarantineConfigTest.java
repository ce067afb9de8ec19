package io.portcullis.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.testing.TestGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code quarantine:} is read with defaults, and its errors name the file, line and key. */
class QuarantineConfigTest {
    @TempDir
    Path directory;

    private GatewayConfig load(String section) throws Exception {
        return ConfigLoader.load(Files.writeString(directory.resolve("gateway.yaml"), TestGateway.defaultYaml("") + section));
    }

    @Test
    void defaultsKeepThirtyDaysAndSweepHourly() throws Exception {
        QuarantineConfig config = load("").quarantine();
        assertThat(config.retentionOf("spam")).isEqualTo(Duration.ofDays(30));
        assertThat(config.sweepInterval()).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void retentionPerCategory() throws Exception {
        QuarantineConfig config = load("quarantine:\n  retention:\n    default: 60d\n    spam: 7d\n  sweep-interval: 10m\n").quarantine();
        assertThat(config.retentionOf("spam")).isEqualTo(Duration.ofDays(7));
        assertThat(config.retentionOf("dmarc")).isEqualTo(Duration.ofDays(60));
        assertThat(config.sweepInterval()).isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void errorsNameTheFileLineAndKey() {
        assertThatThrownBy(() -> load("quarantine:\n  retention:\n    spam: soon\n  sweep-intervall: 1h\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("gateway.yaml")
                .hasMessageContaining("quarantine.retention.spam")
                .hasMessageContaining("expected a duration")
                .hasMessageContaining("quarantine.sweep-intervall")
                .hasMessageContaining("did you mean \"sweep-interval\"");
        assertThatThrownBy(() -> load("quarantine:\n  retention:\n    spam: 10s\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("quarantine.retention.spam").hasMessageContaining("at least 1m");
    }
}
