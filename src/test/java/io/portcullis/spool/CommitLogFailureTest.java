package io.portcullis.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The spool log when things go wrong: a checkpoint that fails or hangs, a commit that fails after
 * its log entry, a segment torn or damaged before the last one. Each case ends with a restart (a
 * new {@link Spool} recovering the directory), the way the gateway would meet it.
 */
class CommitLogFailureTest {
    @TempDir
    Path directory;

    private final Map<String, byte[]> contents = new LinkedHashMap<>();

    private static Envelope envelope(String id) {
        return new Envelope(Envelope.CURRENT_VERSION, id, "inbound", "inbound", Instant.parse("2026-11-28T00:00:00Z"),
                new Envelope.Client("192.0.2.1", 4000, "client.test", "ESMTP", null, null, null), "a@example.org",
                null, "7BIT", false, null, null, List.of(new Envelope.Recipient("b@example.test", List.of(), null)), 5, null, null);
    }

    private String commit(Spool spool, String content) throws IOException {
        try (IncomingMessage message = spool.create()) {
            byte[] octets = content.getBytes(StandardCharsets.US_ASCII);
            message.content().write(octets);
            message.commit(envelope(message.id()));
            contents.put(message.id(), octets);
            return message.id();
        }
    }

    private List<String> commitMany(Spool spool, int count) throws IOException {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add(commit(spool, "message " + i + " " + "y".repeat(900)));
        }
        return ids;
    }

    /** The real calls, with a fault where {@code fails} says, or a wait where {@code blocks} says. */
    private static final class FaultyDisk implements DiskSync {
        final AtomicInteger faults = new AtomicInteger();
        final CountDownLatch release = new CountDownLatch(1);
        Predicate<String> fails = call -> false;
        Predicate<String> blocks = call -> false;

        private void check(String call) throws IOException {
            if (blocks.test(call)) {
                faults.incrementAndGet();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (fails.test(call)) {
                faults.incrementAndGet();
                throw new IOException("injected fault: " + call);
            }
        }

        @Override
        public void force(FileChannel channel, Path file) throws IOException {
            check("force " + file);
            DiskSync.SYSTEM.force(channel, file);
        }

        @Override
        public void rename(Path from, Path to) throws IOException {
            check("rename " + from + " " + to);
            DiskSync.SYSTEM.rename(from, to);
        }

        @Override
        public void forceDirectory(Path directory) throws IOException {
            check("forcedir " + directory + " " + Thread.currentThread().getName());
            DiskSync.SYSTEM.forceDirectory(directory);
        }
    }

    /** Forces of records in queue/ happen only in a checkpoint. */
    private static boolean checkpointForce(String call) {
        return call.startsWith("force ") && call.contains("/queue/") && call.endsWith(".msg");
    }

    @Test
    void aFailingCheckpointKeepsItsSegmentsAndARestartRestoresEveryMessageFromThem() throws Exception {
        FaultyDisk disk = new FaultyDisk();
        disk.fails = CommitLogFailureTest::checkpointForce;
        Spool spool = new Spool(directory, 0, 4096, disk);
        spool.recover();
        List<String> ids = commitMany(spool, 12);
        awaitFaults(disk, 2);
        assertThat(segmentFiles()).hasSizeGreaterThan(2); // none deleted
        ids.add(commit(spool, "still committing"));
        spool.close();
        deleteRecords(); // whatever was not forced in its own file may be lost: the log has it all

        Spool restarted = new Spool(directory, 0);
        assertThat(restarted.recover().restoredFromLog()).isEqualTo(ids.size());
        assertQueuedWithTheirContent(restarted, ids);
    }

    @Test
    @Timeout(120) // a hang here is the bug; the bound only ends the run
    void aHangingCheckpointHoldsUpNoCommitAndFinishesOnceTheDiskAnswers() throws Exception {
        FaultyDisk disk = new FaultyDisk();
        disk.blocks = call -> call.startsWith("forcedir ") && call.contains("spool-log-checkpoint-");
        Spool spool = new Spool(directory, 0, 4096, disk);
        spool.recover();
        List<String> ids = commitMany(spool, 6);
        awaitFaults(disk, 1);
        ids.addAll(commitMany(spool, 6)); // while a checkpoint waits for the disk
        assertThat(segmentFiles()).hasSizeGreaterThan(2);
        disk.release.countDown();
        for (int i = 0; i < 1000 && segmentFiles().size() > 2; i++) {
            Thread.sleep(10);
        }
        assertThat(segmentFiles()).hasSizeLessThanOrEqualTo(2);
        spool.close();

        Spool restarted = new Spool(directory, 0);
        restarted.recover();
        assertQueuedWithTheirContent(restarted, ids);
    }

    @Test
    void aCommitThatFailsAfterItsLogEntryIsNotRestoredAfterARestart() throws Exception {
        FaultyDisk disk = new FaultyDisk();
        AtomicInteger logForces = new AtomicInteger();
        Spool spool = new Spool(directory, 0, CommitLog.SEGMENT_BYTES, disk);
        spool.recover();
        disk.fails = call -> call.startsWith("rename ") && call.contains("/incoming/") && call.endsWith(".msg");
        assertThatThrownBy(() -> commit(spool, "the rename into queue/ fails: the client hears 451"))
                .hasMessageContaining("injected fault");
        disk.fails = call -> call.startsWith("force ") && call.contains("/log/") && logForces.incrementAndGet() == 1;
        assertThatThrownBy(() -> commit(spool, "the log force fails: the client hears 451"))
                .hasMessageContaining("injected fault");
        disk.fails = call -> false;
        String kept = commit(spool, "this one is queued, and its force takes the done entries with it");
        spool.close();
        deleteRecords();

        Spool restarted = new Spool(directory, 0);
        assertThat(restarted.recover()).isEqualTo(new Spool.Recovery(1, 1, 0, 0));
        assertQueuedWithTheirContent(restarted, List.of(kept));
        assertThat(directory.resolve("incoming")).isEmptyDirectory();
    }

    @Test
    void aTornEntryAtTheEndOfASegmentBeforeTheLastLosesNothingOfTheSegmentsAfterIt() throws Exception {
        FaultyDisk disk = new FaultyDisk();
        disk.fails = CommitLogFailureTest::checkpointForce; // keep every segment
        Spool spool = new Spool(directory, 0, 4096, disk);
        spool.recover();
        List<String> ids = commitMany(spool, 12);
        spool.close();
        List<Path> segments = segmentFiles();
        assertThat(segments).hasSizeGreaterThan(2);
        byte[] first = Files.readAllBytes(segments.getFirst());
        Files.write(segments.getFirst(), java.util.Arrays.copyOf(first, 40), java.nio.file.StandardOpenOption.APPEND);
        deleteRecords();

        Spool restarted = new Spool(directory, 0);
        assertThat(restarted.recover().restoredFromLog()).isEqualTo(ids.size());
        assertQueuedWithTheirContent(restarted, ids);
    }

    @Test
    void aDamagedSegmentBeforeTheLastLosesOnlyTheRestOfThatSegment() throws Exception {
        FaultyDisk disk = new FaultyDisk();
        disk.fails = CommitLogFailureTest::checkpointForce;
        Spool spool = new Spool(directory, 0, 4096, disk);
        spool.recover();
        List<String> ids = commitMany(spool, 12);
        spool.close();
        List<Path> segments = segmentFiles();
        assertThat(segments).hasSizeGreaterThan(2);
        String text = Files.readString(segments.getFirst(), StandardCharsets.ISO_8859_1);
        List<String> inFirst = ids.stream().filter(text::contains).toList();
        assertThat(inFirst).hasSizeGreaterThan(2);
        byte[] damaged = Files.readAllBytes(segments.getFirst());
        damaged[text.indexOf(inFirst.get(1)) + 100] ^= 0x20; // disk damage inside the second entry's record
        Files.write(segments.getFirst(), damaged);
        deleteRecords();

        Spool restarted = new Spool(directory, 0);
        restarted.recover();
        List<String> expected = new ArrayList<>(ids);
        expected.removeAll(inFirst.subList(1, inFirst.size())); // from the damage to the end of that segment
        assertQueuedWithTheirContent(restarted, expected);
    }

    private void awaitFaults(FaultyDisk disk, int count) throws InterruptedException {
        for (int i = 0; i < 1000 && disk.faults.get() < count; i++) {
            Thread.sleep(10);
        }
        assertThat(disk.faults.get()).isGreaterThanOrEqualTo(count);
    }

    private List<Path> segmentFiles() throws IOException {
        try (Stream<Path> files = Files.list(directory.resolve("log"))) {
            return files.sorted().toList();
        }
    }

    private void deleteRecords() throws IOException {
        try (Stream<Path> files = Files.list(directory.resolve("queue"))) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        }
    }

    private void assertQueuedWithTheirContent(Spool spool, List<String> ids) throws IOException {
        assertThat(spool.queuedIds()).containsExactlyInAnyOrderElementsOf(ids);
        for (String id : ids) {
            assertThat(spool.message(id).readAllBytes()).as(id).isEqualTo(contents.get(id));
            assertThat(spool.readEnvelope(id)).isEqualTo(envelope(id));
        }
    }
}
