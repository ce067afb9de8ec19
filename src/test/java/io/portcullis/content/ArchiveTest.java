package io.portcullis.content;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.spool.Envelope;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Archiving: to a folder on the inbound listener, to an address (queued, flow archive) on the outbound one. */
class ArchiveTest {
    private static TestGateway gateway;
    private static Path folder;

    @BeforeAll
    static void start() throws Exception {
        folder = Files.createTempDirectory("archive");
        gateway = TestGateway.startYaml(TestGateway.contentYaml("""
                - name: keep-files
                  type: archive
                  folder: %s
                - name: keep-copies
                  type: archive
                  address: archive@example.test
                - name: rules
                  type: rules
                  header-checks:
                    - pattern: "^Subject: refuse me"
                """.formatted(folder), """
                content:
                  chain: [rules, keep-files]
                """, """
                content:
                  chain: [keep-copies]
                """));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    @Test
    void writesAcceptedInboundMailToTheFolderWithItsEnvelope() throws Exception {
        String id = send(gateway.inboundPort(), "Subject: keep me\r\n\r\nhello\r\n", "250");
        List<Path> files;
        try (Stream<Path> walk = Files.walk(folder)) {
            files = walk.filter(p -> p.getFileName().toString().startsWith(id)).sorted().toList();
        }
        assertThat(files).extracting(p -> p.getFileName().toString()).containsExactly(id + ".eml", id + ".json");
        assertThat(Files.readAllBytes(files.get(0))).isEqualTo(gateway.message(id));
        assertThat(Files.readString(files.get(1))).contains("\"sender\" : \"sender@remote.test\"");
    }

    @Test
    void archivesNothingThatAnEarlierStepRefused() throws Exception {
        send(gateway.inboundPort(), "Subject: refuse me\r\n\r\nhello\r\n", "550 5.7.1");
        try (Stream<Path> walk = Files.walk(folder)) {
            assertThat(walk.filter(Files::isRegularFile).map(ArchiveTest::read).toList())
                    .noneMatch(content -> content.contains("refuse me"));
        }
    }

    @Test
    void queuesACopyToTheArchiveAddressInItsOwnFlow() throws Exception {
        String id = send(gateway.port("outbound"), "Subject: outgoing\r\n\r\nhello\r\n", "250");
        List<Envelope> copies = gateway.queued().stream().map(q -> {
            try {
                return gateway.envelope(q);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).filter(e -> e.flow().equals("archive")).toList();
        assertThat(copies).hasSize(1);
        Envelope copy = copies.getFirst();
        assertThat(copy.sender()).isEmpty();
        assertThat(copy.recipients()).extracting(Envelope.Recipient::address).containsExactly("archive@example.test");
        assertThat(gateway.message(copy.queueId())).isEqualTo(gateway.message(id));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String send(int port, String message, String reply) throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(port)) {
            smtp.expect("220").send("EHLO internal.example.test").expect("250 ");
            return smtp.transaction("sender@remote.test", "user@example.test", message, reply);
        }
    }
}
