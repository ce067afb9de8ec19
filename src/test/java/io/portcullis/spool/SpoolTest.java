package io.portcullis.spool;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolTest {
    @TempDir
    Path directory;

    private static Envelope envelope(String id) {
        return new Envelope(Envelope.CURRENT_VERSION, id, "inbound", "inbound", Instant.parse("2026-11-28T00:00:00Z"),
                new Envelope.Client("192.0.2.1", 4000, "client.test", "ESMTP", null, null, null), "a@example.org",
                null, "7BIT", false, null, null, List.of(new Envelope.Recipient("b@example.test", List.of(), null)), 5, null, null);
    }

    @Test
    void committedMessageIsQueuedWithItsEnvelope() throws Exception {
        Spool spool = new Spool(directory, 0);
        String id;
        try (IncomingMessage message = spool.create()) {
            id = message.id();
            message.content().write("hello".getBytes(StandardCharsets.US_ASCII));
            message.commit(envelope(id));
        }
        assertThat(spool.queuedIds()).containsExactly(id);
        assertThat(Files.readString(spool.messageFile(id))).isEqualTo("hello");
        assertThat(spool.readEnvelope(id)).isEqualTo(envelope(id));
        assertThat(directory.resolve("incoming")).isEmptyDirectory();
    }

    @Test
    void messageClosedWithoutCommitLeavesNothing() throws Exception {
        Spool spool = new Spool(directory, 0);
        try (IncomingMessage message = spool.create()) {
            message.content().write("partial".getBytes(StandardCharsets.US_ASCII));
        }
        assertThat(spool.queuedIds()).isEmpty();
        assertThat(directory.resolve("incoming")).isEmptyDirectory();
    }

    @Test
    void recoveryKeepsCommittedAndRemovesIncompleteMessages() throws Exception {
        Spool spool = new Spool(directory, 0);
        String committed;
        try (IncomingMessage message = spool.create()) {
            committed = message.id();
            message.commit(envelope(committed));
        }
        Files.writeString(directory.resolve("incoming/" + QueueId.next() + ".eml"), "crashed during DATA");
        String halfRenamed = QueueId.next();
        Files.writeString(directory.resolve("queue/" + halfRenamed + ".eml"), "crashed between renames");
        String orphan = QueueId.next();
        Files.writeString(directory.resolve("queue/" + orphan + ".env"), "{}");

        Spool.Recovery recovery = new Spool(directory, 0).recover();

        assertThat(recovery).isEqualTo(new Spool.Recovery(1, 2, 1));
        assertThat(spool.queuedIds()).containsExactly(committed);
        assertThat(directory.resolve("incoming")).isEmptyDirectory();
        assertThat(directory.resolve("queue/" + halfRenamed + ".eml")).doesNotExist();
        assertThat(directory.resolve("corrupt/" + orphan + ".env")).exists();
    }

    @Test
    void reportsLowDiskSpace() throws Exception {
        assertThat(new Spool(directory, 0).hasFreeSpace()).isTrue();
        assertThat(new Spool(directory, Long.MAX_VALUE).hasFreeSpace()).isFalse();
    }

    @Test
    void queueIdsAreUniqueAndValid() {
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (int i = 0; i < 100_000; i++) {
            String id = QueueId.next();
            assertThat(QueueId.isValid(id)).isTrue();
            ids.add(id);
        }
        assertThat(ids).hasSize(100_000);
        assertThat(QueueId.isValid("../etc/passwd")).isFalse();
    }
}
