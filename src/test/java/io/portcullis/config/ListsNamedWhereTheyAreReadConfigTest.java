package io.portcullis.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A {@code lists} check reads each of its lists at one phase (clients at connect, senders at mail,
 * recipients at rcpt). A listener that names the check but not at the phase where one of its lists
 * is read would silently ignore that list (a careless admin's block-senders that never blocks):
 * the configuration is refused, naming the listener, the list and the phase.
 */
class ListsNamedWhereTheyAreReadConfigTest {
    @TempDir
    Path directory;

    private Path write(String phases, String lists) throws Exception {
        for (String list : new String[] {"allow-clients", "block-clients", "allow-senders", "block-senders",
                "block-recipients"}) {
            Files.writeString(directory.resolve(list + ".txt"), "# empty\n");
        }
        return Files.writeString(directory.resolve("portcullis.yaml"), """
                listeners:
                  - name: in
                    flow: inbound
                    bind: 127.0.0.1:2525
                    phases:
                %s
                phase-checks:
                  - name: local-lists
                    type: lists
                %s
                """.formatted(phases.indent(6).stripTrailing(), lists.indent(4).stripTrailing()));
    }

    @ParameterizedTest(name = "{0} named at {1}")
    @CsvSource(delimiter = '|', textBlock = """
            block-senders: block-senders.txt       | connect: [local-lists]  | block-senders, read at mail
            allow-senders: allow-senders.txt       | rcpt: [local-lists]     | allow-senders, read at mail
            allow-clients: allow-clients.txt       | mail: [local-lists]     | allow-clients, read at connect
            block-clients: block-clients.txt       | rcpt: [local-lists]     | block-clients, read at connect
            block-recipients: block-recipients.txt | mail: [local-lists]     | block-recipients, read at rcpt
            """)
    void aListNotReadAtAnyPhaseTheListenerNamesIsAnError(String list, String phases, String message) throws Exception {
        Path file = write(phases, list);
        assertThatThrownBy(() -> ConfigLoader.load(file)).isInstanceOfSatisfying(ConfigException.class, e ->
                assertThat(e.errors()).anySatisfy(error -> assertThat(error)
                        .startsWith(file + ":")
                        .contains("listeners[0].phases")
                        .contains("\"local-lists\" has " + message)));
    }

    @Test
    void aCheckNamedAtEveryPhaseItsListsNeedIsFine() throws Exception {
        GatewayConfig config = ConfigLoader.load(write("""
                connect: [local-lists]
                mail: [local-lists]
                rcpt: [local-lists]
                """, """
                allow-clients: allow-clients.txt
                block-senders: block-senders.txt
                block-recipients: block-recipients.txt
                """));
        assertThat(config.phaseChecks()).containsKey("local-lists");
        config = ConfigLoader.load(write("mail: [local-lists]", "block-senders: block-senders.txt"));
        assertThat(config.phaseChecks()).containsKey("local-lists");
    }

    @Test
    void aListenerThatDoesNotNameTheCheckIsNotConcerned() throws Exception {
        GatewayConfig config = ConfigLoader.load(write("mail: [sender]", "block-clients: block-clients.txt"));
        assertThat(config.phaseChecks()).containsKey("local-lists");
    }
}
