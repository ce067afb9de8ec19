package io.portcullis.spool;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fsyncs of the durability protocol, in order: a {@link DurabilityRecorder} stands in for the
 * file system's force and rename calls, records them, and keeps what a power failure would leave
 * at every step (SIGKILL, as in {@code CrashRecoveryProcessTest}, keeps the page cache and so
 * passes without any fsync). Each crash is written into a fresh directory and recovered by a new
 * {@link Spool}; whatever the test had been promised before the crash (a commit returned, a
 * journal record appended, a drop written, a removal made durable) must hold, and nothing
 * recovered may hold another message's octets.
 */
class SpoolDurabilityOrderTest {
    @TempDir
    Path directory;
    /** Where crashes are written out to be recovered: memory when there is a tmpfs (dozens per test). */
    @TempDir(factory = Crashes.class)
    Path crashDirectory;

    static final class Crashes implements org.junit.jupiter.api.io.TempDirFactory {
        @Override
        public Path createTempDirectory(org.junit.jupiter.api.extension.AnnotatedElementContext element,
                                        org.junit.jupiter.api.extension.ExtensionContext context) throws java.io.IOException {
            Path shm = Path.of("/dev/shm");
            return Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "portcullis-crashes")
                    : Files.createTempDirectory("portcullis-crashes");
        }
    }

    private final Map<String, byte[]> contents = new LinkedHashMap<>();

    private static Envelope envelope(String id) {
        return new Envelope(Envelope.CURRENT_VERSION, id, "inbound", "inbound", Instant.parse("2026-11-28T00:00:00Z"),
                new Envelope.Client("192.0.2.1", 4000, "client.test", "ESMTP", null, null, null), "a@example.org",
                null, "7BIT", false, null, null, List.of(new Envelope.Recipient("b@example.test", List.of(), null)), 5, null, null);
    }

    private String commit(Spool spool, DurabilityRecorder disk, String content) throws Exception {
        byte[] octets = content.getBytes(StandardCharsets.US_ASCII);
        try (IncomingMessage message = spool.create()) {
            contents.put(message.id(), octets);
            message.content().write(octets);
            message.commit(envelope(message.id()));
            disk.acknowledge("queued " + message.id());
            return message.id();
        }
    }

    @Test
    void everyAcknowledgedMessageSurvivesACrashAtEveryStepOfCommitJournalRemovalAndCheckpoint() throws Exception {
        Path root = directory.resolve("disk");
        Files.createDirectories(root);
        DurabilityRecorder disk = new DurabilityRecorder(root);
        Spool spool = new Spool(root.resolve("spool"), 0, 4096, disk);
        spool.recover();
        String first = commit(spool, disk, "small, through the log");
        String large = commit(spool, disk, "large, forced in its own file " + "x".repeat(Spool.LOGGED_MAX));
        spool.appendJournal(large, List.of(DeliveryRecord.of(DeliveryRecord.Type.HELD, null, "held by the test")));
        disk.acknowledge("journal " + large + " HELD");
        disk.withdraw("queued " + first);
        spool.remove(first);
        commit(spool, disk, "forces the log, and the done entry of the first with it");
        disk.acknowledge("removed " + first);
        commit(spool, disk, "written into the first message's recycled file");
        for (int i = 0; i < 8; i++) {
            commit(spool, disk, "fills log segments of 4 KB: " + i + " " + "y".repeat(900));
        }
        awaitCheckpoints(root.resolve("spool/log"));
        commit(spool, disk, "after the checkpoints");
        spool.close();
        disk.mark("the end");

        assertThat(disk.events()).anyMatch(e -> e.startsWith("rename spool/queue/" + first + ".msg spool/incoming/free-"));
        assertEveryCrashRecovers(disk);
    }

    @Test
    void aCrashDuringRecoveryLosesNothingAndRestoresNothingRemoved() throws Exception {
        Path root = directory.resolve("disk");
        Spool before = new Spool(root.resolve("spool"), 0);
        before.recover();
        List<String> lost = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            try (IncomingMessage message = before.create()) {
                contents.put(message.id(), ("logged " + i).getBytes(StandardCharsets.US_ASCII));
                message.content().write(contents.get(message.id()));
                message.commit(envelope(message.id()));
                lost.add(message.id());
            }
        }
        String removed = lost.removeLast();
        Path removedRecord = root.resolve("spool/queue/" + removed + ".msg");
        byte[] removedOctets = Files.readAllBytes(removedRecord);
        before.remove(removed);
        try (IncomingMessage message = before.create()) { // forces the done entry
            contents.put(message.id(), "kept".getBytes(StandardCharsets.US_ASCII));
            message.content().write(contents.get(message.id()));
            message.commit(envelope(message.id()));
        }
        before.close();
        for (String id : lost) {
            Files.delete(root.resolve("spool/queue/" + id + ".msg")); // their renames never reached the disk
        }
        Files.write(removedRecord, removedOctets); // nor did the removing rename
        try (Stream<Path> incoming = Files.list(root.resolve("spool/incoming"))) {
            for (Path file : incoming.toList()) {
                Files.delete(file);
            }
        }

        DurabilityRecorder disk = new DurabilityRecorder(root); // all of the above is on disk
        for (String id : contents.keySet()) {
            if (!id.equals(removed)) {
                disk.acknowledge("queued " + id);
            }
        }
        disk.acknowledge("removed " + removed);
        Spool recovering = new Spool(root.resolve("spool"), 0, CommitLog.SEGMENT_BYTES, disk);
        assertThat(recovering.recover().restoredFromLog()).isEqualTo(lost.size() + 1);
        recovering.close();
        disk.mark("the end");

        assertEveryCrashRecovers(disk);
    }

    @Test
    void aDropFolderNeverShowsHalfAMessageAndKeepsEveryWrittenOne() throws Exception {
        Path root = directory.resolve("disk");
        Path folder = Files.createDirectories(root.resolve("drop"));
        DurabilityRecorder disk = new DurabilityRecorder(root);
        for (int i = 0; i < 2; i++) {
            String id = QueueId.next();
            contents.put(id, ("Subject: drop " + i + "\r\n\r\n" + "z".repeat(10_000) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            MessageFolder.write(folder, envelope(id), new ByteArrayInputStream(contents.get(id)), disk);
            disk.acknowledge("dropped " + id);
        }
        disk.mark("the end");

        SoftAssertions soft = new SoftAssertions();
        List<DurabilityRecorder.Crash> crashes = disk.crashes();
        for (int i = 0; i < crashes.size(); i++) {
            DurabilityRecorder.Crash crash = crashes.get(i);
            for (boolean onlyForced : List.of(true, false)) {
                Path recovered = crash.materialize(crashDirectory.resolve("crash-" + i + "-" + onlyForced), onlyForced);
                String when = crash + (onlyForced ? ", only forced octets" : ", written octets");
                for (String id : contents.keySet()) {
                    Path message = recovered.resolve("drop/" + id + ".eml");
                    Path json = recovered.resolve("drop/" + id + ".json");
                    if (crash.acknowledged().contains("dropped " + id)) {
                        soft.assertThat(message).as(when).exists();
                        soft.assertThat(json).as(when).exists();
                    }
                    if (Files.exists(message)) {
                        soft.assertThat(Files.readAllBytes(message)).as(when + ": " + message).isEqualTo(contents.get(id));
                    }
                    if (Files.exists(json)) {
                        soft.assertThat(Json.MAPPER.readValue(json.toFile(), Envelope.class)).as(when + ": " + json)
                                .isEqualTo(envelope(id));
                    }
                }
            }
        }
        soft.assertAll();
    }

    /** The calls themselves, in order: a missing or misplaced fsync shows here even where no crash could tell. */
    @Test
    void everyWriteIsForcedBeforeItsRenameAndEveryRenameForcedBeforeItIsAcknowledged() throws Exception {
        Path root = directory.resolve("disk");
        Files.createDirectories(root);
        DurabilityRecorder disk = new DurabilityRecorder(root);
        Spool spool = new Spool(root.resolve("spool"), 0, 2048, disk);
        spool.recover();
        // recovery: restored records and removals in queue/, then the log starts afresh, then the deletions
        assertThat(disk.events()).containsExactly("forcedir spool/queue", "forcedir spool/log", "forcedir spool/incoming",
                "forcedir spool/queue");

        String small = commit(spool, disk, "small");
        assertThat(disk.eventsFrom("force spool/log/000000000001.log")).containsExactly(
                "force spool/log/000000000001.log",
                "rename spool/incoming/" + small + ".eml spool/queue/" + small + ".msg",
                "ack queued " + small);

        String large = commit(spool, disk, "x".repeat(Spool.LOGGED_MAX + 1));
        assertThat(disk.eventsFrom("force spool/incoming/" + large + ".eml")).containsExactly(
                "force spool/incoming/" + large + ".eml",
                "rename spool/incoming/" + large + ".eml spool/queue/" + large + ".msg",
                "forcedir spool/queue",
                "ack queued " + large);

        spool.appendJournal(large, List.of(DeliveryRecord.of(DeliveryRecord.Type.HELD, null, "held")));
        disk.acknowledge("journal " + large);
        spool.appendJournal(large, List.of(DeliveryRecord.of(DeliveryRecord.Type.RELEASED, null, "released")));
        disk.acknowledge("journal again " + large);
        assertThat(disk.eventsFrom("force spool/queue/" + large + ".dlv")).containsExactly(
                "force spool/queue/" + large + ".dlv",
                "forcedir spool/queue", // a new journal's name
                "ack journal " + large,
                "force spool/queue/" + large + ".dlv", // appended to: its name is durable already
                "ack journal again " + large);

        spool.remove(small);
        String full = commit(spool, disk, "r".repeat(1500)); // forces the done entry; fills the first 2 KB segment
        String next = commit(spool, disk, "the next segment"); // written into the recycled file; rotates the log
        awaitCheckpoints(root.resolve("spool/log"));
        spool.close();
        assertThat(disk.eventsFrom("ack queued " + full)).containsSubsequence(
                "force spool/log/000000000001.log", // the rotation: the full segment first, then its successor's name
                "forcedir spool/log",
                "force spool/log/000000000002.log",
                "rename spool/incoming/free-1 spool/queue/" + next + ".msg",
                "ack queued " + next);
        assertThat(disk.eventsFrom("ack queued " + full)).containsSubsequence(
                "forcedir spool/log",
                "force spool/queue/" + full + ".msg", // the checkpoint: each live record in its own file, then queue/
                "forcedir spool/queue");
        assertThat(disk.eventsFrom("ack queued " + full)).doesNotContain("force spool/queue/" + small + ".msg");

        Path folder = Files.createDirectories(root.resolve("drop"));
        String id = QueueId.next();
        MessageFolder.write(folder, envelope(id), new ByteArrayInputStream("hello\r\n".getBytes(StandardCharsets.US_ASCII)), disk);
        List<String> drop = disk.events().stream().filter(e -> e.contains("drop")).map(e -> e.replaceAll("\\.[0-9a-f]{16}\\.tmp", ".*.tmp"))
                .toList();
        assertThat(drop).containsExactly(
                "force drop/." + id + ".eml.*.tmp",
                "force drop/." + id + ".json.*.tmp",
                "rename drop/." + id + ".eml.*.tmp drop/" + id + ".eml",
                "rename drop/." + id + ".json.*.tmp drop/" + id + ".json",
                "forcedir drop");
    }

    /** Waits until the checkpoints of full segments are done: only the active one (and perhaps the last full one) left. */
    private static void awaitCheckpoints(Path log) throws Exception {
        for (int i = 0; i < 1000 && segments(log) > 1; i++) {
            Thread.sleep(10);
        }
        assertThat(segments(log)).isEqualTo(1);
    }

    private static long segments(Path log) throws java.io.IOException {
        try (Stream<Path> files = Files.list(log)) {
            return files.count();
        }
    }

    private void assertEveryCrashRecovers(DurabilityRecorder disk) throws Exception {
        SoftAssertions soft = new SoftAssertions();
        List<DurabilityRecorder.Crash> crashes = disk.crashes();
        assertThat(crashes).hasSizeGreaterThan(5);
        java.util.Set<String> checked = new java.util.HashSet<>();
        for (int i = 0; i < crashes.size(); i++) {
            DurabilityRecorder.Crash crash = crashes.get(i);
            for (boolean onlyForced : List.of(true, false)) {
                if (!checked.add(crash.fingerprint(onlyForced))) {
                    continue; // the same disk and the same promises as a crash already checked
                }
                Path recovered = crash.materialize(crashDirectory.resolve("crash-" + i + "-" + onlyForced), onlyForced);
                String when = crash + (onlyForced ? ", only forced octets" : ", written octets");
                Spool spool = new Spool(recovered.resolve("spool"), 0, CommitLog.SEGMENT_BYTES, DurabilityRecorder.UNFORCED);
                spool.recover();
                List<String> queued = spool.queuedIds();
                for (String promise : crash.acknowledged()) {
                    String[] words = promise.split(" ");
                    switch (words[0]) {
                        case "queued" -> soft.assertThat(queued).as(when).contains(words[1]);
                        case "removed" -> soft.assertThat(queued).as(when).doesNotContain(words[1]);
                        case "journal" -> soft.assertThat(spool.readJournal(words[1])).as(when)
                                .extracting(DeliveryRecord::type).contains(DeliveryRecord.Type.valueOf(words[2]));
                        default -> throw new AssertionError(promise);
                    }
                }
                for (String id : queued) {
                    soft.assertThat(contents).as(when + ": queued " + id).containsKey(id);
                    if (contents.containsKey(id)) {
                        soft.assertThat(spool.message(id).readAllBytes()).as(when + ": the octets of " + id)
                                .isEqualTo(contents.get(id));
                        soft.assertThat(spool.readEnvelope(id)).as(when + ": the envelope of " + id).isEqualTo(envelope(id));
                    }
                }
                spool.close();
            }
        }
        soft.assertAll();
    }
}
