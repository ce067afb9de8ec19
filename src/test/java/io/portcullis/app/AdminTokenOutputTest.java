package io.portcullis.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generated admin token is never written to standard output when that is not a terminal (the journal, podman logs). */
class AdminTokenOutputTest {
    @TempDir
    Path directory;

    @Test
    void aGeneratedTokenIsNamedByItsFileNotPrintedIntoALog() throws Exception {
        assertThat(System.console()).as("surefire runs without a terminal").isNull();
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        String token;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            token = AdminToken.loadOrCreate(directory);
        } finally {
            System.setOut(original);
        }
        String output = captured.toString(StandardCharsets.UTF_8);
        assertThat(output).contains(directory.resolve("admin-token").toString()).doesNotContain(token);
    }
}
