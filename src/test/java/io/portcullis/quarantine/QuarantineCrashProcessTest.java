package io.portcullis.quarantine;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.app.CliAccess;
import io.portcullis.spool.Spool;
import io.portcullis.testing.Eventually;
import io.portcullis.testing.GatewayProcess;
import io.portcullis.testing.SmtpScript;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 250 for a held message means it is on disk in the quarantine: the gateway process is killed
 * (SIGKILL) right after the reply, and the restarted one lists the message, releases it from the
 * CLI and delivers it once; after another kill it is neither held nor delivered again.
 */
class QuarantineCrashProcessTest {
    @TempDir
    Path directory;

    @Test
    void heldMessageSurvivesSigkillAfter250() throws Exception {
        Path config = Files.writeString(directory.resolve("gateway.yaml"), QuarantineStoreTest.yaml(""));
        Path data = directory.resolve("data");
        String id;
        try (GatewayProcess gateway = GatewayProcess.start(config, data)) {
            try (SmtpScript smtp = SmtpScript.connect(gateway.inboundPort())) {
                smtp.expect("220").send("EHLO client.test").expect("250 ");
                id = smtp.sendMessage("sender@remote.test", "user@example.test", QuarantineStoreTest.BULK);
            }
            gateway.kill(); // at once after 250: no shutdown hook, nothing flushed
        }
        assertThat(Files.exists(data.resolve("spool/quarantine/" + id + ".msg"))).isTrue();
        try (GatewayProcess restarted = GatewayProcess.start(config, data)) {
            assertThat(cli(data, "list", "--reason", "header-check")).contains(id, "deals of the day", "-- 1 of 1 held");
            assertThat(new Spool(data.resolve("spool"), 0).queuedIds()).isEmpty();
            assertThat(cli(data, "release", id)).contains("released 1 message");
            Eventually.await(Duration.ofSeconds(60), "the released message delivered", () -> dropped(data).size() == 1);
            restarted.kill();
        }
        try (GatewayProcess again = GatewayProcess.start(config, data)) {
            assertThat(cli(data, "list")).contains("-- 0 of 0 held");
            Thread.sleep(500);
            assertThat(dropped(data)).hasSize(1); // once
            try (SmtpScript smtp = SmtpScript.connect(again.inboundPort())) { // and the gateway answers
                smtp.expect("220").send("EHLO client.test").expect("250 ");
                smtp.sendMessage("sender@remote.test", "user@example.test", "Subject: fine\r\n\r\nhi\r\n");
            }
        }
    }

    private static String cli(Path data, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> full = new java.util.ArrayList<>(List.of("quarantine"));
        full.addAll(List.of(args));
        full.addAll(List.of("--data-dir", data.toString()));
        int code = CliAccess.run(full, new PrintWriter(out), new PrintWriter(err));
        assertThat(code).as(err.toString()).isZero();
        return out.toString();
    }

    private static List<Path> dropped(Path data) throws Exception {
        Path inbound = data.resolve("drop/inbound");
        if (!Files.isDirectory(inbound)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(inbound)) {
            return files.filter(f -> f.toString().endsWith(".eml")).toList();
        }
    }
}
