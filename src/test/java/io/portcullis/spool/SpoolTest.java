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

    private String commit(Spool spool, String content) throws Exception {
        try (IncomingMessage message = spool.create()) {
            message.content().write(content.getBytes(StandardCharsets.US_ASCII));
            message.commit(envelope(message.id()));
            return message.id();
        }
    }

    @Test
    void committedMessageIsQueuedWithItsEnvelope() throws Exception {
        Spool spool = new Spool(directory, 0);
        String id = commit(spool, "hello");
        assertThat(spool.queuedIds()).containsExactly(id);
        assertThat(new String(spool.message(id).readAllBytes())).isEqualTo("hello");
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
    void aRecordIsTheMessageWithItsEnvelopeAsATrailer() throws Exception {
        Spool spool = new Spool(directory, 0);
        String id = commit(spool, "hello");
        byte[] record = Files.readAllBytes(directory.resolve("queue/" + id + ".msg"));
        assertThat(new String(record, 0, 5, StandardCharsets.US_ASCII)).isEqualTo("hello");
        assertThat(new String(record, record.length - 8, 8, StandardCharsets.US_ASCII)).isEqualTo("PCSPOOL1");
        assertThat(spool.message(id).length()).isEqualTo(5);
        try (var files = Files.list(directory.resolve("queue"))) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactly(id + ".msg"); // one file, one fsync
        }
    }

    @Test
    void aRemovedRecordIsWrittenOverByALaterMessageWithNothingOfTheOldOneLeft() throws Exception {
        Spool spool = new Spool(directory, 0);
        String first = commit(spool, "a long first message, longer than the next");
        Object inode = Files.readAttributes(directory.resolve("queue/" + first + ".msg"),
                java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        spool.remove(first);
        assertThat(spool.queuedIds()).isEmpty();

        String second;
        try (IncomingMessage message = spool.create()) {
            message.content().write("short".getBytes(StandardCharsets.US_ASCII));
            assertThat(Files.readString(message.file())).isEqualTo("short"); // what content checks read
            message.commit(envelope(message.id()));
            second = message.id();
        }
        Path record = directory.resolve("queue/" + second + ".msg");
        assertThat(Files.readAttributes(record, java.nio.file.attribute.BasicFileAttributes.class).fileKey())
                .isEqualTo(inode); // the same file, not a new one
        assertThat(new String(spool.message(second).readAllBytes())).isEqualTo("short");
        assertThat(spool.readEnvelope(second)).isEqualTo(envelope(second));
        assertThat(Files.size(record)).isEqualTo(5 + spool.trailer(envelope(second)).length);
        assertThat(directory.resolve("incoming")).isEmptyDirectory();

        spool.remove(second);
        try (IncomingMessage message = spool.create()) {
            message.content().write("dropped".getBytes(StandardCharsets.US_ASCII));
        } // aborted: the recycled file goes too
        assertThat(directory.resolve("incoming")).isEmptyDirectory();
        assertThat(directory.resolve("queue")).isEmptyDirectory();
    }

    @Test
    void recoveryKeepsCommittedAndRemovesIncompleteMessages() throws Exception {
        Spool spool = new Spool(directory, 0);
        String committed = commit(spool, "");
        Files.writeString(directory.resolve("incoming/" + QueueId.next() + ".eml"), "crashed during DATA");
        String strayJournal = QueueId.next();
        Files.writeString(directory.resolve("queue/" + strayJournal + ".dlv"), "crashed during removal\n");
        String damaged = QueueId.next();
        Files.writeString(directory.resolve("queue/" + damaged + ".msg"), "no trailer: disk damage or a hand edit");
        String orphan = QueueId.next();
        Files.writeString(directory.resolve("queue/" + orphan + ".env"), "{}");

        Spool.Recovery recovery = new Spool(directory, 0).recover();

        assertThat(recovery).isEqualTo(new Spool.Recovery(1, 2, 2));
        assertThat(spool.queuedIds()).containsExactly(committed);
        assertThat(directory.resolve("incoming")).isEmptyDirectory();
        assertThat(directory.resolve("queue/" + strayJournal + ".dlv")).doesNotExist();
        assertThat(directory.resolve("corrupt/" + damaged + ".msg")).exists();
        assertThat(directory.resolve("corrupt/" + orphan + ".env")).exists();
    }

    /** A spool written before records had trailers: ID.eml beside ID.env. */
    @Test
    void readsAndRecoversAnOlderSpool() throws Exception {
        Files.createDirectories(directory.resolve("queue"));
        String id = QueueId.next();
        Files.writeString(directory.resolve("queue/" + id + ".eml"), "older");
        Files.write(directory.resolve("queue/" + id + ".env"), Json.MAPPER.writeValueAsBytes(envelope(id)));
        String halfRenamed = QueueId.next();
        Files.writeString(directory.resolve("queue/" + halfRenamed + ".eml"), "crashed between renames");

        Spool spool = new Spool(directory, 0);
        assertThat(spool.recover()).isEqualTo(new Spool.Recovery(1, 1, 0));
        assertThat(spool.queuedIds()).containsExactly(id);
        assertThat(spool.readEnvelope(id)).isEqualTo(envelope(id));
        assertThat(new String(spool.message(id).readAllBytes())).isEqualTo("older");
        spool.remove(id);
        assertThat(spool.queuedIds()).isEmpty();
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
