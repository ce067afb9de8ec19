package io.portcullis.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.spool.Spool;
import io.portcullis.testing.GatewayProcess;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The durability promise, tested the hard way: the gateway process is killed with SIGKILL and
 * started again on the same data directory. SIGKILL keeps the page cache, so these pass even
 * with every fsync removed; that each fsync is there, in order, and enough, is what
 * {@code spool/SpoolDurabilityOrderTest} shows (a crash modelled after every force and rename).
 */
class CrashRecoveryProcessTest {
    @TempDir
    Path directory;

    private Path config() throws Exception {
        return Files.writeString(directory.resolve("gateway.yaml"), TestGateway.defaultYaml(""));
    }

    @Test
    void messageAnsweredWith250SurvivesSigkillByteForByte() throws Exception {
        Path config = config();
        Path data = directory.resolve("data");
        String content = "From: a@example.org\r\nSubject: survive\r\n\r\nline one\r\n..dot line\r\n" + "x".repeat(5000) + "\r\n";
        String id;
        try (GatewayProcess gateway = GatewayProcess.start(config, data);
             SmtpScript smtp = SmtpScript.connect(gateway.inboundPort())) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.send("MAIL FROM:<a@example.org>").expect("250");
            smtp.send("RCPT TO:<b@example.test>").expect("250");
            smtp.send("DATA").expect("354");
            smtp.sendRaw(content + ".\r\n").expect("250 2.0.0 OK queued as");
            id = smtp.queueId();
            gateway.kill();
        }
        try (GatewayProcess restarted = GatewayProcess.start(config, data)) {
            Spool spool = new Spool(data.resolve("spool"), 0);
            assertThat(spool.queuedIds()).containsExactly(id);
            String stored = new String(spool.message(id).readAllBytes(), StandardCharsets.UTF_8);
            assertThat(stored).startsWith("Received: from client.test").contains(" id " + id)
                    .endsWith(content.replace("\r\n..dot line", "\r\n.dot line"));
            assertThat(spool.readEnvelope(id).size()).isEqualTo(stored.length());
            try (SmtpScript smtp = SmtpScript.connect(restarted.inboundPort())) {
                smtp.expect("220").send("EHLO client.test").expect("250 ");
                smtp.sendMessage("a@example.org", "b@example.test", "Subject: after restart\r\n\r\nx\r\n");
            }
            assertThat(spool.queuedIds()).hasSize(2).contains(id);
        }
    }

    @Test
    void sigkillDuringDataLeavesNoPartialMessage() throws Exception {
        Path config = config();
        Path data = directory.resolve("data");
        try (GatewayProcess gateway = GatewayProcess.start(config, data);
             SmtpScript smtp = SmtpScript.connect(gateway.inboundPort())) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.send("MAIL FROM:<a@example.org>").expect("250");
            smtp.send("RCPT TO:<b@example.test>").expect("250");
            smtp.send("DATA").expect("354");
            smtp.sendRaw("Subject: half\r\n\r\n" + "y".repeat(100_000));
            awaitIncomingFile(data);
            gateway.kill();
        }
        try (GatewayProcess restarted = GatewayProcess.start(config, data)) {
            assertThat(new Spool(data.resolve("spool"), 0).queuedIds()).isEmpty();
            assertThat(data.resolve("spool/incoming")).isEmptyDirectory();
        }
    }

    private static void awaitIncomingFile(Path data) throws Exception {
        for (int i = 0; i < 200; i++) {
            try (Stream<Path> files = Files.list(data.resolve("spool/incoming"))) {
                if (files.findAny().isPresent()) {
                    return;
                }
            }
            Thread.sleep(25);
        }
        throw new AssertionError("the gateway never started writing the message");
    }
}
