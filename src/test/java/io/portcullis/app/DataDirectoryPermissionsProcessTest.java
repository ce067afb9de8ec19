package io.portcullis.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.GatewayProcess;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway keeps its data directory to its own user, even started with umask 000 on a data
 * directory an older version (or a restore) left readable to everyone, and writes no temporary
 * file through a link planted at a predictable name.
 */
class DataDirectoryPermissionsProcessTest {
    @TempDir
    Path directory;

    @Test
    void withUmask000EverythingInTheDataDirectoryIsTheOwnersOnlyAndWiderModesAreTightenedAtStart() throws Exception {
        Path config = Files.writeString(directory.resolve("gateway.yaml"), TestGateway.deliveringYaml("""
                domains: [example.test]
                connectors:
                  - name: internal
                    type: drop
                    folder: drop/inbound
                routes:
                  - domains: [example.test]
                    connector: internal
                """));
        Path data = directory.resolve("data");
        String wide = "rwxr-xr-x";
        Files.createDirectories(data.resolve("spool/queue"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(wide)));
        Files.createDirectories(data.resolve("tracking"));
        Files.createDirectories(data.resolve("reports"));
        for (Path folder : new Path[] {data, data.resolve("spool"), data.resolve("spool/queue"), data.resolve("tracking"),
                data.resolve("reports")}) {
            Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString(wide));
        }
        Path oldTracking = Files.writeString(data.resolve("tracking/tracking-2026-01-01.jsonl"), "{}\n");
        Files.setPosixFilePermissions(oldTracking, PosixFilePermissions.fromString("rw-r--r--"));
        Path victim = Files.writeString(directory.resolve("victim"), "must stay as it is\n");
        String today = LocalDate.now(ZoneOffset.UTC).toString();
        Files.createSymbolicLink(data.resolve("reports/" + today + ".json.tmp"), victim); // the old temporary name

        String id;
        try (GatewayProcess gateway = GatewayProcess.startWithUmask(config, data, "000");
             SmtpScript smtp = SmtpScript.connect(gateway.inboundPort())) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            id = smtp.sendMessage("a@example.org", "b@example.test", "Subject: private\r\n\r\nx\r\n");
            awaitFile(data.resolve("drop/inbound/" + id + ".eml"));
            awaitFile(data.resolve("reports/" + today + ".json")); // written every 2 s
            awaitFile(data.resolve("tracking/tracking-" + today + ".jsonl"));
            assertThat(gateway.output()).anyMatch(line -> line.contains("took group and other access away from 5 directories"
                    + " and 1 files"));
            try (SmtpScript again = SmtpScript.connect(gateway.inboundPort())) { // still serving
                again.expect("220").send("EHLO client.test").expect("250 ");
                again.sendMessage("a@example.org", "b@example.test", "Subject: again\r\n\r\ny\r\n");
            }

            try (Stream<Path> walk = Files.walk(data)) {
                for (Path path : walk.toList()) {
                    if (Files.isSymbolicLink(path)) {
                        continue;
                    }
                    String expected = Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS) ? "rwx------" : "rw-------";
                    String mode;
                    try {
                        mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS));
                    } catch (java.nio.file.NoSuchFileException renamedMeanwhile) {
                        continue; // a temporary file of the second delivery, renamed into place since the listing
                    }
                    assertThat(mode).as(data.relativize(path).toString()).isEqualTo(expected);
                }
            }
        }
        assertThat(victim).hasContent("must stay as it is");
    }

    private static void awaitFile(Path file) throws InterruptedException {
        for (int i = 0; i < 300 && !Files.exists(file); i++) {
            Thread.sleep(50);
        }
        assertThat(file).exists();
    }
}
