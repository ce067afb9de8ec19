package io.portcullis.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code mta-sts:} and {@code tls-reports:}: defaults, the served policy, errors naming file, line and key. */
class MtaStsConfigTest {
    private static final String LISTENER = "hostname: mx.example.test\nlisteners:\n  - name: in\n    flow: inbound\n"
            + "    bind: 127.0.0.1:2525\n";

    @TempDir
    Path directory;

    private Path write(String sections) throws IOException {
        return Files.writeString(directory.resolve("gateway.yaml"), LISTENER + sections);
    }

    @Test
    void everySettingHasADefault() throws Exception {
        GatewayConfig config = ConfigLoader.load(write(""));
        assertThat(config.mtaSts()).isEqualTo(MtaStsConfig.DEFAULT);
        assertThat(config.mtaSts().enabled()).isTrue();
        assertThat(config.mtaSts().fetchTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.mtaSts().served()).isNull();
        assertThat(config.tlsReports()).isEqualTo(new TlsReportConfig(true, "mx.example.test", "postmaster@mx.example.test",
                List.of(), 10_000));
        assertThat(config.flows()).contains("tls-report");
    }

    @Test
    void theServedPolicyIsReadAndWrittenAsRfc8461Says() throws Exception {
        GatewayConfig config = ConfigLoader.load(write("""
                mta-sts:
                  policy:
                    mode: enforce
                    mx: [mx1.example.test, "*.mx.example.test"]
                    max-age: 7d
                tls-reports:
                  rua: [mailto:tlsrpt@example.test, https://reports.example.test/tlsrpt]
                """));
        assertThat(config.mtaSts().served().text()).isEqualTo(
                "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.test\r\nmx: *.mx.example.test\r\nmax_age: 604800\r\n");
        assertThat(config.tlsReports().rua()).containsExactly("mailto:tlsrpt@example.test", "https://reports.example.test/tlsrpt");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "mta-sts:\\n  fetch-timeout: 10m                     | mta-sts.fetch-timeout       | from 1ms to 5m",
        "mta-sts:\\n  max-cached-policies: 0                 | mta-sts.max-cached-policies | whole number from 1",
        "mta-sts:\\n  trust: missing.pem                     | mta-sts.trust               | does not exist",
        "mta-sts:\\n  enabeld: false                         | mta-sts.enabeld             | did you mean",
        "mta-sts:\\n  policy:\\n    mode: enforcing\\n    mx: [a.test] | mta-sts.policy.mode   | expected enforce, testing or none",
        "mta-sts:\\n  policy:\\n    mode: enforce                | mta-sts.policy.mx           | needs at least one MX pattern",
        "mta-sts:\\n  policy:\\n    mx: [\"a b\"]                | mta-sts.policy.mx           | must be a host name or *.domain",
        "mta-sts:\\n  policy:\\n    mx: [a.test]\\n    max-age: 400d | mta-sts.policy.max-age    | 31557600",
        "tls-reports:\\n  rua: [ftp://x.test/]               | tls-reports.rua             | mailto: or https:",
        "tls-reports:\\n  rua: [\"mailto:a@x.test,b@y.test\"] | tls-reports.rua             | without ','",
        "tls-reports:\\n  max-domains: 0                     | tls-reports.max-domains     | whole number from 1"})
    void aBadValueNamesFileLineAndKey(String yaml, String key, String message) throws Exception {
        Path file = write(yaml.replace("\\n", "\n") + "\n");
        assertThatThrownBy(() -> ConfigLoader.load(file)).isInstanceOfSatisfying(ConfigException.class, e ->
                assertThat(e.errors()).anySatisfy(error -> assertThat(error)
                        .startsWith(file + ":").contains(" " + key + ": ").contains(message)));
    }

    @Test
    void aListenerCannotTakeTheReportFlow() throws Exception {
        Path file = Files.writeString(directory.resolve("flow.yaml"),
                "listeners:\n  - name: in\n    flow: tls-report\n    bind: 127.0.0.1:2525\n");
        assertThatThrownBy(() -> ConfigLoader.load(file)).isInstanceOfSatisfying(ConfigException.class, e ->
                assertThat(e.errors()).anySatisfy(error -> assertThat(error).contains("reserved for mail the gateway generates")));
    }
}
