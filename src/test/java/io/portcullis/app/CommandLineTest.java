package io.portcullis.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CommandLineTest {
    @TempDir
    Path directory;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    @Test
    void checkConfigAcceptsTheEmbeddedDefault() {
        assertThat(run("check-config")).isZero();
        assertThat(out.toString()).contains("embedded default: configuration OK", "listener inbound (flow inbound)");
    }

    @Test
    void checkConfigRejectsABadFileWithFileLineAndKey() throws Exception {
        Path file = Files.writeString(directory.resolve("bad.yaml"),
                "listeners:\n  - name: inbound\n    bind: 127.0.0.1:70000\n    colour: blue\n");
        assertThat(run("check-config", "--config", file.toString())).isEqualTo(Main.CONFIG_ERROR);
        assertThat(err.toString())
                .contains(file + ":3: listeners[0].bind: \"127.0.0.1:70000\" needs a port")
                .contains(file + ":4: listeners[0].colour: unknown key");
    }

    @Test
    void runRefusesToStartOnABadConfig() throws Exception {
        Path file = Files.writeString(directory.resolve("bad.yaml"), "listeners: []\n");
        assertThat(run("run", "--config", file.toString(), "--data-dir", directory.resolve("data").toString()))
                .isEqualTo(Main.CONFIG_ERROR);
        assertThat(err.toString()).contains("at least one listener is required");
        assertThat(directory.resolve("data")).doesNotExist();
    }

    @Test
    void defaultConfigPrintsTheEmbeddedYaml() {
        assertThat(run("default-config")).isZero();
        assertThat(out.toString()).contains("name: inbound", "127.0.0.1:2525", "name: outbound", "127.0.0.1:2587");
    }
}
