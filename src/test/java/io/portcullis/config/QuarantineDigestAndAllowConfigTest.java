package io.portcullis.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.testing.TestGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code quarantine.digest.at/zone} and {@code quarantine.allow-senders}: defaults, and errors naming file, line and key. */
class QuarantineDigestAndAllowConfigTest {
    @TempDir
    Path directory;

    private GatewayConfig load(String section) throws Exception {
        return ConfigLoader.load(Files.writeString(directory.resolve("gateway.yaml"), TestGateway.defaultYaml("") + section));
    }

    @Test
    void defaultsAreEightOClockLocalAndSpamOnlyWithAuthentication() throws Exception {
        QuarantineConfig config = load("").quarantine();
        assertThat(config.digestAt()).isEqualTo(LocalTime.of(8, 0));
        assertThat(config.digestZone()).isEqualTo(ZoneId.systemDefault());
        assertThat(config.allowSenders()).isEqualTo(new QuarantineConfig.AllowSenders(List.of("spam"), 1000, 100_000, true));
        QuarantineConfig set = load("quarantine:\n  digest:\n    at: \"06:30\"\n    zone: Europe/Berlin\n    interval: 12h\n"
                + "  allow-senders:\n    categories: [spam, bulk]\n    max-per-recipient: 50\n    require-authentication: false\n")
                .quarantine();
        assertThat(set.digestAt()).isEqualTo(LocalTime.of(6, 30));
        assertThat(set.digestZone()).isEqualTo(ZoneId.of("Europe/Berlin"));
        assertThat(set.allowSenders()).isEqualTo(new QuarantineConfig.AllowSenders(List.of("spam", "bulk"), 50, 100_000, false));
    }

    @Test
    void badValuesAreNamed() {
        assertThatThrownBy(() -> load("quarantine:\n  digest:\n    at: \"25:00\"\n    zone: Mars/Olympus\n    interval: 7h\n"
                + "  allow-senders:\n    categories: [spam, virus]\n    max-entries: 0\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("gateway.yaml")
                .hasMessageContaining("quarantine.digest.at").hasMessageContaining("expected a time of day")
                .hasMessageContaining("quarantine.digest.zone").hasMessageContaining("expected a time zone")
                .hasMessageContaining("quarantine.digest.interval").hasMessageContaining("must divide a day")
                .hasMessageContaining("quarantine.allow-senders.categories").hasMessageContaining("virus cannot be allowed")
                .hasMessageContaining("quarantine.allow-senders.max-entries");
    }
}
