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
    void aRemovedRecordIsWrittenOverByALaterMessageOnlyOnceItsRemovalIsOnDiskAndWithNothingOfItLeft() throws Exception {
        Spool spool = new Spool(directory, 0);
        String first = commit(spool, "a long first message, longer than the next");
        Object inode = fileKey(directory.resolve("queue/" + first + ".msg"));
        spool.remove(first);
        assertThat(spool.queuedIds()).isEmpty();

        // Its done entry is not forced yet: a new message gets a new file, not this one.
        String unforced = commit(spool, "this commit forces the log, and the done entry with it");
        assertThat(fileKey(directory.resolve("queue/" + unforced + ".msg"))).isNotEqualTo(inode);

        String second;
        try (IncomingMessage message = spool.create()) {
            message.content().write("short".getBytes(StandardCharsets.US_ASCII));
            assertThat(Files.readString(message.file())).isEqualTo("short"); // what content checks read
            message.commit(envelope(message.id()));
            second = message.id();
        }
        Path record = directory.resolve("queue/" + second + ".msg");
        assertThat(fileKey(record)).isEqualTo(inode); // the same file, written over
        assertThat(new String(spool.message(second).readAllBytes())).isEqualTo("short");
        assertThat(spool.readEnvelope(second)).isEqualTo(envelope(second));
        assertThat(Files.size(record)).isEqualTo(5 + RecordTrailer.of(envelope(second)).length);
        assertThat(directory.resolve("incoming")).isEmptyDirectory();

        spool.remove(second);
        commit(spool, "forces the log again");
        try (IncomingMessage message = spool.create()) {
            message.content().write("dropped".getBytes(StandardCharsets.US_ASCII));
        } // aborted: the recycled file goes too
        assertThat(directory.resolve("incoming")).isEmptyDirectory();
    }

    @Test
    void recoveryDeletesARecordTheLogSaysWasRemovedEvenIfItsNameSurvived() throws Exception {
        Spool spool = new Spool(directory, 0);
        String removed = commit(spool, "delivered");
        Path record = directory.resolve("queue/" + removed + ".msg");
        byte[] octets = Files.readAllBytes(record);
        spool.remove(removed);
        commit(spool, "forces the done entry");
        Files.write(record, octets); // the removing rename lost in a crash

        Spool restarted = new Spool(directory, 0);
        restarted.recover();
        assertThat(record).doesNotExist();
        assertThat(restarted.queuedIds()).doesNotContain(removed);
    }

    private static Object fileKey(Path file) throws java.io.IOException {
        return Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
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

        assertThat(recovery).isEqualTo(new Spool.Recovery(1, 1, 2, 2)); // the committed one also written out again from the log
        assertThat(spool.queuedIds()).containsExactly(committed);
        assertThat(directory.resolve("incoming")).isEmptyDirectory();
        assertThat(directory.resolve("queue/" + strayJournal + ".dlv")).doesNotExist();
        assertThat(directory.resolve("corrupt/" + damaged + ".msg")).exists();
        assertThat(directory.resolve("corrupt/" + orphan + ".env")).exists();
    }

    @Test
    void aCommittedRecordLostFromQueueIsWrittenOutAgainFromTheLogButARemovedOneIsNot() throws Exception {
        Spool spool = new Spool(directory, 0);
        String kept = commit(spool, "kept: its rename never reached the disk");
        String removed = commit(spool, "delivered and removed");
        byte[] record = Files.readAllBytes(directory.resolve("queue/" + kept + ".msg"));
        spool.remove(removed);
        Files.delete(directory.resolve("queue/" + kept + ".msg")); // what a crash can leave: the log has it, queue/ not

        Spool restarted = new Spool(directory, 0);
        assertThat(restarted.recover()).isEqualTo(new Spool.Recovery(1, 1, 0, 0));
        assertThat(restarted.queuedIds()).containsExactly(kept);
        assertThat(Files.readAllBytes(directory.resolve("queue/" + kept + ".msg"))).isEqualTo(record);
        assertThat(restarted.readEnvelope(kept)).isEqualTo(envelope(kept));
        try (var segments = Files.list(directory.resolve("log"))) {
            assertThat(segments).hasSize(1); // the replayed segment is gone, a new one started
        }
        assertThat(new Spool(directory, 0).recover().restoredFromLog()).isZero(); // durable in queue/ now
    }

    @Test
    void aTornEntryAtTheEndOfTheLogIsIgnoredAndEverythingBeforeItRestored() throws Exception {
        Spool spool = new Spool(directory, 0);
        String first = commit(spool, "first");
        Path segment;
        try (var segments = Files.list(directory.resolve("log"))) {
            segment = segments.findFirst().orElseThrow();
        }
        byte[] whole = Files.readAllBytes(segment);
        String second = commit(spool, "second, torn by the crash");
        byte[] torn = java.util.Arrays.copyOf(Files.readAllBytes(segment), Files.readAllBytes(segment).length - 3);
        Files.write(segment, torn);
        assertThat(torn.length).isGreaterThan(whole.length);
        Files.delete(directory.resolve("queue/" + first + ".msg"));
        Files.delete(directory.resolve("queue/" + second + ".msg"));

        Spool.Recovery recovery = new Spool(directory, 0).recover();
        assertThat(recovery.restoredFromLog()).isEqualTo(1);
        assertThat(new Spool(directory, 0).queuedIds()).containsExactly(first);
    }

    @Test
    void aLargeRecordIsForcedInItsOwnFileNotCopiedToTheLog() throws Exception {
        Spool spool = new Spool(directory, 0);
        String large = commit(spool, "x".repeat(Spool.LOGGED_MAX));
        try (var segments = Files.list(directory.resolve("log"))) {
            assertThat(segments.mapToLong(f -> f.toFile().length()).sum()).isZero();
        }
        assertThat(spool.message(large).length()).isEqualTo(Spool.LOGGED_MAX);
        assertThat(new Spool(directory, 0).recover()).isEqualTo(new Spool.Recovery(1, 0, 0, 0));
    }

    @Test
    void aFullLogSegmentIsCheckpointedAndDeletedWhileItsLiveMessagesStayQueued() throws Exception {
        Spool spool = new Spool(directory, 0, 4096);
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 12; i++) {
            ids.add(commit(spool, "message " + i + " " + "y".repeat(600)));
        }
        for (int i = 0; i < 12; i += 2) {
            spool.remove(ids.get(i));
        }
        Path log = directory.resolve("log");
        for (int wait = 0; wait < 500 && segmentCount(log) > 2; wait++) {
            Thread.sleep(10);
        }
        assertThat(segmentCount(log)).isLessThanOrEqualTo(2); // 12 records of ~1 KB through 4 KB segments

        Spool restarted = new Spool(directory, 0);
        restarted.recover();
        assertThat(restarted.queuedIds()).containsExactlyElementsOf(
                java.util.stream.IntStream.range(0, 12).filter(i -> i % 2 == 1).mapToObj(ids::get).toList());
    }

    private static long segmentCount(Path log) throws java.io.IOException {
        try (var segments = Files.list(log)) {
            return segments.count();
        }
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
        assertThat(spool.recover()).isEqualTo(new Spool.Recovery(1, 0, 1, 0));
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
