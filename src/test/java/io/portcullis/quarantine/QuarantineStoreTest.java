package io.portcullis.quarantine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.portcullis.testing.Eventually;
import io.portcullis.testing.MutableClock;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Held messages are committed into the quarantine store, apart from the delivery queue: the rules
 * check's {@code action: quarantine} holds them (deterministic, no daemon), delivery runs to drop
 * folders, and release, delete, restart and the retention sweeper are exercised end to end.
 */
class QuarantineStoreTest {
    static String yaml(String quarantineSection) throws Exception {
        return TestGateway.contentYaml("""
                - name: rules
                  type: rules
                  header-checks:
                    - pattern: "^X-Mailer: BulkBlaster"
                      action: quarantine
                      text: bulk mailer
                  body-checks:
                    - pattern: "(?i)wire the money"
                      action: quarantine
                      text: possible invoice fraud
                """, """
                content:
                  chain: [rules]
                """, "").replace("queue-only: true", "queue-only: false") + quarantineSection;
    }

    static final String BULK = "X-Mailer: BulkBlaster 3\r\nSubject: deals of the day\r\n\r\nhi\r\n";

    static String send(TestGateway gateway, String message, String... recipients) throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.send("MAIL FROM:<sender@remote.test>").expect("250 2.1.0");
            for (String recipient : recipients) {
                smtp.send("RCPT TO:<" + recipient + ">").expect("250 2.1.5");
            }
            smtp.send("DATA").expect("354");
            smtp.sendRaw(message.replace("\r\n.", "\r\n..") + ".\r\n");
            return smtp.expect("250 2.0.0").queueId();
        }
    }

    static List<Path> dropped(TestGateway gateway) throws Exception {
        Path inbound = gateway.dataDirectory().resolve("drop/inbound");
        if (!Files.isDirectory(inbound)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(inbound)) {
            return files.filter(f -> f.toString().endsWith(".eml")).toList();
        }
    }

    @Test
    void heldMessageIsCommittedToTheQuarantineAndDeliveredOnceWhenReleased() throws Exception {
        try (TestGateway gateway = TestGateway.startYaml(yaml(""))) {
            String id = send(gateway, BULK, "user@example.test");
            QuarantineEntry entry = gateway.quarantine().entry(id);
            assertThat(entry.reason()).isEqualTo("header-check: bulk mailer");
            assertThat(entry.category()).isEqualTo("header-check");
            assertThat(entry.subject()).isEqualTo("deals of the day");
            assertThat(entry.recipients()).containsEntry("user@example.test", "held");
            assertThat(gateway.queued()).isEmpty(); // apart from the delivery queue
            Path store = gateway.dataDirectory().resolve("spool/quarantine");
            for (String name : List.of(id + ".msg", id + ".q")) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(store.resolve(name)))).isEqualTo("rw-------");
            }
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(store))).isEqualTo("rwx------");
            assertThat(gateway.incomingFiles()).isEmpty();
            assertThat(gateway.metrics()).contains("portcullis_quarantine_messages{reason=\"header-check\"} 1.0");
            Thread.sleep(300); // nothing delivers a held message
            assertThat(dropped(gateway)).isEmpty();

            Quarantine.Outcome outcome = gateway.quarantine().release(id, List.of(), "test");
            assertThat(outcome.recipients()).isEqualTo(1);
            Eventually.await(Duration.ofSeconds(30), "the released copy delivered", () -> dropped(gateway).size() == 1);
            gateway.awaitEmptyQueue(30);
            assertThat(Files.readString(dropped(gateway).getFirst())).contains("X-Mailer: BulkBlaster 3");
            assertThatThrownBy(() -> gateway.quarantine().entry(id)).isInstanceOf(NoSuchFileException.class);
            assertThatThrownBy(() -> gateway.quarantine().release(id, List.of(), "test")).isInstanceOf(NoSuchFileException.class);
            assertThat(Files.exists(store.resolve(id + ".msg"))).isFalse();
            assertThat(Files.exists(store.resolve(id + ".q"))).isFalse();
            assertThat(dropped(gateway)).hasSize(1); // exactly once
            assertThat(gateway.metrics()).contains("portcullis_quarantine_messages{reason=\"header-check\"} 0.0");
            assertThat(gateway.quarantine().audit().read()).extracting(AuditLog.Action::action).containsExactly("release");
            // an ordinary message is not held, and the gateway still answers
            String ordinary = send(gateway, "Subject: hello\r\n\r\nhi\r\n", "user@example.test");
            assertThatThrownBy(() -> gateway.quarantine().entry(ordinary)).isInstanceOf(NoSuchFileException.class);
        }
    }

    @Test
    void partialReleaseAndDeleteSurviveARestart() throws Exception {
        try (TestGateway gateway = TestGateway.startYaml(yaml(""))) {
            String id = send(gateway, BULK, "a@example.test", "b@example.test");
            gateway.quarantine().release(id, List.of("A@example.test"), "test");
            Eventually.await(Duration.ofSeconds(30), "a's copy delivered", () -> dropped(gateway).size() == 1);
            gateway.restart();
            QuarantineEntry entry = gateway.quarantine().entry(id);
            assertThat(entry.recipients()).containsEntry("a@example.test", "released").containsEntry("b@example.test", "held");
            assertThat(gateway.quarantine().journal(id)).extracting(QuarantineRecord::type)
                    .containsExactly(QuarantineRecord.Type.HELD, QuarantineRecord.Type.RELEASED);
            gateway.quarantine().delete(id, "test");
            assertThatThrownBy(() -> gateway.quarantine().entry(id)).isInstanceOf(NoSuchFileException.class);
            gateway.restart();
            assertThatThrownBy(() -> gateway.quarantine().entry(id)).isInstanceOf(NoSuchFileException.class);
            Thread.sleep(300);
            assertThat(dropped(gateway)).hasSize(1); // b was never delivered
            assertThat(gateway.quarantine().audit().read()).extracting(AuditLog.Action::action)
                    .containsExactly("release", "delete");
        }
    }

    @Test
    void sweeperDeletesEntriesPastTheirReasonsRetention() throws Exception {
        MutableClock clock = new MutableClock();
        try (TestGateway gateway = TestGateway.startYaml(yaml("""
                quarantine:
                  retention:
                    default: 30d
                    header-check: 2h
                """), clock)) {
            String bulk = send(gateway, BULK, "user@example.test");
            String fraud = send(gateway, "Subject: invoice\r\n\r\nplease wire the money today\r\n", "user@example.test");
            assertThat(gateway.quarantine().entry(fraud).category()).isEqualTo("body-check");
            clock.advance(Duration.ofHours(1));
            assertThat(gateway.quarantine().sweep()).isZero();
            clock.advance(Duration.ofHours(2));
            assertThat(gateway.quarantine().sweep()).isEqualTo(1);
            assertThatThrownBy(() -> gateway.quarantine().entry(bulk)).isInstanceOf(NoSuchFileException.class);
            assertThat(gateway.quarantine().entry(fraud).expires()).isAfter(clock.instant().plus(Duration.ofDays(29)));
            assertThat(gateway.quarantine().audit().read()).extracting(AuditLog.Action::actor).containsExactly("sweeper");
            assertThat(gateway.metrics()).contains("portcullis_quarantine_messages{reason=\"body-check\"} 1.0")
                    .contains("portcullis_quarantine_messages{reason=\"header-check\"} 0.0")
                    .containsPattern("portcullis_quarantine_bytes\\{reason=\"body-check\"} [1-9]");
        }
    }

    @Test
    void recoveryRemovesAJournalWithoutRecordAndKeepsARecordWithoutJournal() throws Exception {
        try (TestGateway gateway = TestGateway.startYaml(yaml(""))) {
            String kept = send(gateway, BULK, "user@example.test");
            String removed = send(gateway, BULK, "other@example.test");
            Path store = gateway.dataDirectory().resolve("spool/quarantine");
            Files.delete(store.resolve(kept + ".q")); // the journal's name lost in a crash before the directory fsync
            Files.delete(store.resolve(removed + ".msg")); // a hold that never renamed its record (or a removal half done)
            gateway.restart();
            assertThat(gateway.quarantine().entry(kept).reason()).isEqualTo("header-check: bulk mailer");
            assertThat(gateway.quarantine().entry(kept).subject()).isEqualTo("deals of the day");
            assertThat(Files.exists(store.resolve(kept + ".q"))).isTrue();
            assertThatThrownBy(() -> gateway.quarantine().entry(removed)).isInstanceOf(NoSuchFileException.class);
            assertThat(Files.exists(store.resolve(removed + ".q"))).isFalse();
        }
    }
}
