package io.portcullis.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The {@code logging:} section: what it reads, and each mistake named by line and key. */
class LoggingConfigTest {
    private static final String LISTENERS = """
            listeners:
              - {name: inbound, bind: "127.0.0.1:0"}
            """;

    @Test
    void readsLevelFileAndSyslog() throws Exception {
        GatewayConfig config = ConfigLoader.parse("test.yaml", LISTENERS + """
                logging:
                  level: DEBUG
                  file: {path: logs/portcullis.log, max-size: 10MB, max-history: 7}
                  syslog: {host: 127.0.0.1, port: 5514}
                """, Path.of("/etc/portcullis"));
        assertThat(config.logging()).isEqualTo(new LoggingConfig("debug", Path.of("/etc/portcullis/logs/portcullis.log"),
                10L * 1024 * 1024, 7, "127.0.0.1", 5514, "mail"));
    }

    @Test
    void withoutTheSectionOnlyStandardOutput() throws Exception {
        assertThat(ConfigLoader.parse("test.yaml", LISTENERS, Path.of(".")).logging()).isEqualTo(LoggingConfig.DEFAULT);
    }

    @Test
    void namesEachMistake() {
        assertThatThrownBy(() -> ConfigLoader.parse("test.yaml", LISTENERS + """
                logging:
                  level: loud
                  file: {max-size: 10KB}
                  syslog: {port: 70000, facility: kern}
                """, Path.of("."))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("test.yaml:4: logging.level: expected one of")
                .hasMessageContaining("test.yaml:5: logging.file.max-size: must be at least 1MB")
                .hasMessageContaining("logging.file.path: required key is missing")
                .hasMessageContaining("test.yaml:6: logging.syslog.port: expected a whole number from 1 to 65535")
                .hasMessageContaining("test.yaml:6: logging.syslog.facility: expected one of")
                .hasMessageContaining("logging.syslog.host: required key is missing");
    }
}
