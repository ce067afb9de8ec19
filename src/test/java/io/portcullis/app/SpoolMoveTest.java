package io.portcullis.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.config.ConfigLoader;
import io.portcullis.observe.TrackingEvent;
import io.portcullis.observe.TrackingSearch;
import io.portcullis.testing.Eventually;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.SmtpSink;
import io.portcullis.testing.TestGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Moving a spool to another machine (README, Running several nodes): node {@code mx1} queues mail
 * it cannot deliver and stops; its data directory is copied as it is, and a gateway started on
 * the copy with another {@code node-id} delivers every message, keeping the ids they were given
 * ({@code ...-mx1}) while what it accepts itself gets {@code ...-rescue}.
 */
class SpoolMoveTest {
    @TempDir
    Path directory;

    @Test
    void aCopiedDataDirectoryIsDeliveredByANodeWithAnotherId() throws Exception {
        List<String> moved = new ArrayList<>();
        Path copy = directory.resolve("copied-data");
        try (TestGateway old = TestGateway.startYaml("node-id: mx1\n" + TestGateway.defaultYaml(""))) { // queue-only
            for (int i = 0; i < 3; i++) {
                try (SmtpScript smtp = old.connect()) {
                    smtp.expect("220").send("EHLO client.test").expect("250 ");
                    moved.add(smtp.sendMessage("a@example.org", "b@example.test", "Subject: moved " + i + "\r\n\r\nx\r\n"));
                }
            }
            old.gateway().close(); // the node stops; its disk survives
            copyRegularFiles(old.dataDirectory(), copy);
        }
        assertThat(moved).allMatch(id -> id.endsWith("-mx1"));
        try (SmtpSink sink = SmtpSink.start(0)) {
            Path config = Files.writeString(directory.resolve("rescue.yaml"), "node-id: rescue\n" + TestGateway.deliveringYaml("""
                    domains: [example.test]
                    connectors:
                      - {name: internal, type: smarthost, hosts: ["127.0.0.1:%d"], tls: none}
                    routes:
                      - {domains: ["*"], connector: internal}
                    """.formatted(sink.port())));
            try (Gateway rescue = Gateway.start(ConfigLoader.load(config), copy)) {
                sink.awaitTransactions(3, 60);
                Eventually.await(Duration.ofSeconds(30), "the moved queue delivered", () -> rescue.spool().queuedIds().isEmpty());
                try (SmtpScript smtp = SmtpScript.connect(rescue.listener("inbound").boundAddresses().getFirst().getPort())) {
                    smtp.expect("220").send("EHLO client.test").expect("250 ");
                    assertThat(smtp.sendMessage("a@example.org", "b@example.test", "Subject: new\r\n\r\nx\r\n")).endsWith("-rescue");
                }
                rescue.telemetry().flushTracking();
                Instant now = Instant.now();
                TrackingSearch.Result delivered = TrackingSearch.search(copy.resolve("tracking"), new TrackingSearch.Criteria(
                        null, null, null, moved.getFirst(), null, null, now.minus(Duration.ofHours(1)), now.plusSeconds(1)));
                List<TrackingEvent> timeline = delivered.timelines().get(moved.getFirst());
                assertThat(timeline).extracting(TrackingEvent::event).contains("RECEIVE", "DELIVER");
                assertThat(timeline).filteredOn(e -> e.event().equals("RECEIVE")).extracting(TrackingEvent::node).containsOnly("mx1");
                assertThat(timeline).filteredOn(e -> e.event().equals("DELIVER")).extracting(TrackingEvent::node).containsOnly("rescue");
            }
        }
    }

    /** cp -a of what a copy of a stopped node's disk holds (regular files; the control socket is not one). */
    private static void copyRegularFiles(Path from, Path to) throws Exception {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path path : walk.toList()) {
                Path target = to.resolve(from.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else if (Files.isRegularFile(path)) {
                    Files.copy(path, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }
}
