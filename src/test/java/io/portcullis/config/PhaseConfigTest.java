package io.portcullis.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code phase-checks:} and a listener's {@code phases:}: the order they build, and each mistake named by file, line and key. */
class PhaseConfigTest {
    @TempDir
    Path directory;

    private static final String LISTENER = """
            listeners:
              - name: in
                flow: inbound
                bind: 127.0.0.1:2525
                verify-recipients: true
                phases:
            %s
            phase-checks:
              - name: local
                type: lists
                block-clients: blocked.txt
            %s""";

    private Path write(String phases, String checkExtra) throws IOException {
        Files.writeString(directory.resolve("blocked.txt"), "192.0.2.1\n");
        return Files.writeString(directory.resolve("portcullis.yaml"),
                LISTENER.formatted(phases.stripIndent().indent(6).stripTrailing(), checkExtra));
    }

    @Test
    void builtInsTheListDoesNotPlaceRunFirstInTheirOrderAndNamedOnesWhereNamed() throws Exception {
        GatewayConfig config = ConfigLoader.load(write("""
                connect: [local, access]
                rcpt: [relay, local]
                reject-score: 7.5""", ""));
        ListenerPhases phases = config.listeners().getFirst().phases();
        assertThat(phases.at(Phase.CONNECT)).containsExactly("connection-rate", "pregreet", "local", "access");
        assertThat(phases.at(Phase.MAIL)).containsExactly("auth-required", "sender", "message-rate");
        assertThat(phases.at(Phase.RCPT)).containsExactly("routing", "recipients", "recipient-rate", "relay", "local");
        assertThat(phases.at(Phase.DATA)).containsExactly("header-from");
        assertThat(phases.rejectScore()).isEqualTo(7.5);
        assertThat(config.phaseChecks()).containsOnlyKeys("local");
    }

    @Test
    void aListenerWithoutPhasesRunsTheBuiltInsOnly() throws Exception {
        Files.writeString(directory.resolve("p.yaml"), "listeners:\n  - name: in\n    bind: 127.0.0.1:2525\n");
        ListenerPhases phases = ConfigLoader.load(directory.resolve("p.yaml")).listeners().getFirst().phases();
        assertThat(phases).isEqualTo(ListenerPhases.BUILT_IN_ONLY);
        assertThat(phases.at(Phase.HELO)).isEmpty();
        assertThat(phases.rejectScore()).isNull();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            unknown check            | 'connect: [nosuch]'             |         | 7  | phases.connect[0]: no phase check is named "nosuch"
            built-in at wrong phase  | 'connect: [relay]'              |         | 7  | the built-in check "relay" runs at rcpt, not at connect
            defined at wrong phase   | 'helo: [local]'                 |         | 7  | "local" cannot run at helo (it runs at
            named twice              | 'mail: [local, local]'          |         | 7  | phases.mail[1]: "local" is named twice in this phase
            score not a number       | 'reject-score: lots'            |         | 7  | phases.reject-score: expected a number, got "lots"
            unknown phase            | 'queue: [local]'                |         | 7  | phases.queue: unknown key
            unknown type             | 'connect: [local]'              | ZZZ     | 10 | unknown phase check type "dnsbl-ish"
            lists without files      | 'connect: [local]'              | EMPTY   | 13 | a lists check needs at least one of
            name of a built-in       | 'connect: [local]'              | BUILTIN | 15 | "relay" is already the name of a built-in check
            """)
    void eachMistakeIsNamedWithFileLineAndKey(String what, String phases, String extra, int line, String message)
            throws IOException {
        String checkExtra = switch (extra == null ? "" : extra) {
            case "ZZZ" -> "";
            case "EMPTY" -> "  - name: empty\n    type: lists\n";
            case "BUILTIN" -> "  - name: empty\n    type: lists\n    allow-clients: blocked.txt\n  - name: relay\n    type: lists\n"
                    + "    allow-clients: blocked.txt\n";
            default -> "";
        };
        Path file = write(phases, checkExtra);
        if ("ZZZ".equals(extra)) {
            Files.writeString(file, Files.readString(file).replace("type: lists", "type: dnsbl-ish"));
        }
        assertThatThrownBy(() -> ConfigLoader.load(file)).isInstanceOfSatisfying(ConfigException.class, e ->
                assertThat(e.errors()).as(what).anySatisfy(error -> assertThat(error)
                        .startsWith(file + ":" + line + ": ").contains(message.strip())));
    }

    @Test
    void aListFileThatDoesNotExistIsAnError() throws IOException {
        Path file = write("connect: [local]", "");
        Files.delete(directory.resolve("blocked.txt"));
        assertThatThrownBy(() -> ConfigLoader.load(file)).isInstanceOfSatisfying(ConfigException.class, e ->
                assertThat(e.errors()).anySatisfy(error -> assertThat(error).contains("phase-checks[0].block-clients")));
    }
}
