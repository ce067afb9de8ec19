package io.portcullis.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * What a reload (and {@code check-config} against a running gateway) says it changes: every part an
 * administrator can edit and a reload applies is named, so "no changes" is never said of an edit
 * that takes effect.
 */
class ConfigDiffSectionsTest {
    private static final String BASE = """
            hostname: mx.example.test
            listeners:
              - name: inbound
                bind: 127.0.0.1:0
                phases: {helo: [helo]}
            domains: [example.test]
            phase-checks:
              - {name: helo, type: helo, action: log}
            """;

    private static GatewayConfig parse(String yaml) throws ConfigException {
        return ConfigLoader.parse("test.yaml", yaml, Path.of("."));
    }

    @Test
    void anUnchangedFileChangesNothing() throws Exception {
        assertThat(ConfigDiff.between(parse(BASE), parse(BASE))).isEmpty();
    }

    @Test
    void aPhaseCheckDefinitionIsNamed() throws Exception {
        String edited = BASE.replace("{name: helo, type: helo, action: log}", "{name: helo, type: helo, action: reject}");
        assertThat(ConfigDiff.between(parse(BASE), parse(edited))).containsExactly("phase-checks: changed");
    }

    @Test
    void aListenersPhasesAreNamed() throws Exception {
        String edited = BASE.replace("phases: {helo: [helo]}", "phases: {mail: [helo]}");
        assertThat(ConfigDiff.between(parse(BASE), parse(edited))).containsExactly("listener inbound: changed (phases)");
    }

    @Test
    void theShutdownTimeoutIsNamed() throws Exception {
        String edited = BASE + "shutdown-timeout: 45s\n";
        assertThat(ConfigDiff.between(parse(BASE), parse(edited))).containsExactly("shutdown-timeout: changed");
    }
}
