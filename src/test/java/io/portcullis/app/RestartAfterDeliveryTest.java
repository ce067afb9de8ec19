package io.portcullis.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A restart after deliveries: recovery replays the spool log, and must restore none of the
 * messages that were delivered and removed (their done entries cancel their commits), while a
 * message still queued stays queued.
 */
class RestartAfterDeliveryTest {
    @Test
    void recoveryRestoresNothingDeliveredAndKeepsWhatIsStillQueued() throws Exception {
        try (TestGateway gateway = TestGateway.startYaml(TestGateway.deliveringYaml("""
                domains: [example.test]
                connectors:
                  - name: internal
                    type: drop
                    folder: drop/inbound
                routes:
                  - domains: [example.test]
                    connector: internal
                """))) {
            List<String> delivered = new ArrayList<>();
            try (SmtpScript smtp = gateway.connect()) {
                smtp.expect("220").send("EHLO client.test").expect("250 ");
                for (int i = 0; i < 5; i++) {
                    delivered.add(smtp.sendMessage("a@example.org", "b@example.test", "Subject: " + i + "\r\n\r\nx\r\n"));
                }
            }
            assertThat(gateway.awaitEmptyQueue(30)).isTrue();
            Path drop = gateway.dataDirectory().resolve("drop/inbound");
            assertThat(emls(drop)).containsExactlyInAnyOrderElementsOf(delivered.stream().map(id -> id + ".eml").toList());

            java.util.Map<String, Object> files = fileKeys(drop);

            gateway.restart();
            assertThat(gateway.queued()).isEmpty(); // recovery ran before the listeners opened

            String after;
            try (SmtpScript smtp = gateway.connect()) {
                smtp.expect("220").send("EHLO client.test").expect("250 ");
                after = smtp.sendMessage("a@example.org", "b@example.test", "Subject: after\r\n\r\ny\r\n");
            }
            assertThat(gateway.awaitEmptyQueue(30)).isTrue();
            List<String> expected = new ArrayList<>(delivered);
            expected.add(after);
            assertThat(emls(drop)).containsExactlyInAnyOrderElementsOf(expected.stream().map(id -> id + ".eml").toList());
            java.util.Map<String, Object> afterRestart = fileKeys(drop);
            files.forEach((name, key) -> assertThat(afterRestart.get(name)).as(name + " delivered once, never again")
                    .isEqualTo(key));
            assertThat(gateway.incomingFiles()).allMatch(f -> f.getFileName().toString().startsWith("free-"));
        }
    }

    private static java.util.Map<String, Object> fileKeys(Path drop) throws Exception {
        java.util.Map<String, Object> keys = new java.util.HashMap<>();
        try (Stream<Path> files = Files.list(drop)) {
            for (Path file : files.toList()) {
                keys.put(file.getFileName().toString(),
                        Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class).fileKey());
            }
        }
        return keys;
    }

    private static List<String> emls(Path drop) throws Exception {
        try (Stream<Path> files = Files.list(drop)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".eml")).toList();
        }
    }
}
