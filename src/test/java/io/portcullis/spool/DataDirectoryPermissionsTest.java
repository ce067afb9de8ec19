package io.portcullis.spool;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the spool and the drop folder write is for the gateway's user only (folders 0700, files
 * 0600, whatever the umask; this JVM's is the usual 022), and a file or link planted where a
 * temporary file used to go is never written through.
 */
class DataDirectoryPermissionsTest {
    @TempDir
    Path directory;

    private static Envelope envelope(String id) {
        return new Envelope(Envelope.CURRENT_VERSION, id, "inbound", "inbound", Instant.parse("2026-11-28T00:00:00Z"),
                new Envelope.Client("192.0.2.1", 4000, "client.test", "ESMTP", null, null, null), "a@example.org",
                null, "7BIT", false, null, null, List.of(new Envelope.Recipient("b@example.test", List.of(), null)), 5, null, null);
    }

    private static String commit(Spool spool, String content, boolean rewrite) throws Exception {
        try (IncomingMessage message = spool.create()) {
            message.content().write(content.getBytes(StandardCharsets.US_ASCII));
            if (rewrite) {
                message.replaceContent(out -> out.write("rewritten\r\n".getBytes(StandardCharsets.US_ASCII)));
            }
            message.commit(envelope(message.id()));
            return message.id();
        }
    }

    @Test
    void everyFolderAndFileOfTheSpoolIsTheOwnersOnly() throws Exception {
        Path root = directory.resolve("spool");
        Spool spool = new Spool(root, 0, 4096);
        spool.recover();
        String small = commit(spool, "small", false);
        String large = commit(spool, "x".repeat(Spool.LOGGED_MAX + 1), true);
        spool.appendJournal(large, List.of(DeliveryRecord.of(DeliveryRecord.Type.DEFERRED, "b@example.test", "451 4.3.0")));
        for (int i = 0; i < 8; i++) {
            commit(spool, "through several log segments " + "y".repeat(900), false);
        }
        spool.remove(small); // kept in incoming/ for reuse
        spool.close();
        Files.delete(root.resolve("queue/" + large + ".msg")); // forced in its own file: gone for good
        Spool restarted = new Spool(root, 0); // restores what the log holds into new files
        restarted.recover();
        commit(restarted, "after the restart", false);
        restarted.close();

        assertOwnerOnly(root);
    }

    @Test
    void aDropFolderWritesOwnerOnlyFilesAndNeverWritesThroughAPlantedLinkOrFile() throws Exception {
        Path folder = PrivateFiles.createDirectories(directory.resolve("drop/inbound"));
        Path victim = Files.writeString(directory.resolve("victim"), "must stay as it is\n");
        Path planted = directory.resolve("planted");
        String id = QueueId.next();
        // the old temporary names were predictable; and the final name may be a link
        Files.createSymbolicLink(folder.resolve("." + id + ".eml.tmp"), victim);
        Files.createSymbolicLink(folder.resolve("." + id + ".json.tmp"), planted); // dangling: O_CREAT would create it
        Files.createSymbolicLink(folder.resolve(id + ".eml"), victim);
        byte[] content = "Subject: drop\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII);

        MessageFolder.write(folder, envelope(id), new ByteArrayInputStream(content));

        assertThat(victim).hasContent("must stay as it is");
        assertThat(planted).doesNotExist();
        assertThat(Files.isSymbolicLink(folder.resolve(id + ".eml"))).isFalse(); // the link replaced, not followed
        assertThat(Files.readAllBytes(folder.resolve(id + ".eml"))).isEqualTo(content);
        assertThat(Json.MAPPER.readValue(folder.resolve(id + ".json").toFile(), Envelope.class)).isEqualTo(envelope(id));
        assertThat(mode(folder.resolve(id + ".eml"))).isEqualTo("rw-------");
        assertThat(mode(folder.resolve(id + ".json"))).isEqualTo("rw-------");
        assertThat(mode(folder)).isEqualTo("rwx------");
        try (Stream<Path> files = Files.list(folder)) { // no temporary file left, the planted links untouched
            assertThat(files.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder(
                    id + ".eml", id + ".json", "." + id + ".eml.tmp", "." + id + ".json.tmp");
        }
    }

    @Test
    void aTemporaryFileIsNewAndUnpredictable() throws Exception {
        Path target = directory.resolve("report.json");
        PrivateFiles.Temporary first = PrivateFiles.createTemporary(target);
        PrivateFiles.Temporary second = PrivateFiles.createTemporary(target);
        first.channel().close();
        second.channel().close();
        assertThat(first.file()).isNotEqualTo(second.file());
        assertThat(first.file().getFileName().toString()).matches("\\.report\\.json\\.[0-9a-f]{16}\\.tmp");
        assertThat(mode(first.file())).isEqualTo("rw-------");
    }

    static void assertOwnerOnly(Path root) throws Exception {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : walk.toList()) {
                if (Files.isSymbolicLink(path)) {
                    continue;
                }
                String expected = Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS) ? "rwx------" : "rw-------";
                assertThat(mode(path)).as(root.relativize(path).toString()).isEqualTo(expected);
            }
        }
    }

    static String mode(Path path) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS));
    }
}
