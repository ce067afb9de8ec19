package io.portcullis.database;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.portcullis.config.DatabaseConfig;
import io.portcullis.observe.TrackingEvent;
import io.portcullis.spool.Json;
import io.portcullis.testing.Eventually;
import io.portcullis.testing.SmtpSink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The disk buffer never grows past its cap: with the database unreachable, events past the cap
 * are dropped (counted in portcullis_database_events_dropped_total), the earliest ones are kept in
 * order, and a cut-short last line from a crash is cut off when the buffer is opened again.
 */
class DiskBufferCapTest {

    private static TrackingEvent event(int i) {
        return new TrackingEvent(Instant.now(), "RECEIVE", "CAP" + i, "<m" + i + "@client.test>", "inbound", "inbound",
                "127.0.0.1", "sender" + i + "@remote.test", List.of("user@example.test"), 1000L, null, null, null, null);
    }

    @Test
    void theCapHoldsWhileTheDatabaseIsUnreachable() throws Exception {
        Path directory = Files.createTempDirectory("database-buffer");
        long cap = 16 * 1024;
        // nothing listens on this port: every attempt fails
        DatabaseConfig config = DatabaseConfig.NONE.with("jdbc:postgresql://127.0.0.1:" + SmtpSink.freePort() + "/none",
                "portcullis", directory).withBuffer(cap, Duration.ofMillis(50), Duration.ofSeconds(30));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Path file = directory.resolve(EventBuffer.FILE);
        try (Database database = new Database(config);
             DatabaseWriter writer = new DatabaseWriter(database, "cap.gateway.test", config, directory, Duration.ofDays(30),
                     null, null, null, registry, Clock.systemUTC())) {
            for (int i = 0; i < 200; i++) {
                writer.write(event(i)); // never blocks, whatever the database does
            }
            Eventually.await(Duration.ofSeconds(20), "events dropped past the cap", () ->
                    registry.counter("portcullis.database.events.dropped", "reason", "buffer-full").count() > 0);
            for (int i = 200; i < 400; i++) {
                writer.write(event(i));
            }
            Eventually.await(Duration.ofSeconds(20), "the writer took everything queued", () ->
                    registry.counter("portcullis.database.events.dropped", "reason", "buffer-full").count()
                            + Files.readAllLines(file).size() == 400);
            assertThat(Files.size(file)).isLessThanOrEqualTo(cap).isGreaterThan(cap - 1024);
            assertThat(writer.up()).isFalse();
        }
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSizeGreaterThan(10);
        for (int i = 0; i < lines.size(); i++) { // the earliest events, in order
            assertThat(Json.MAPPER.readValue(lines.get(i), PendingEvent.class).event().queueId()).isEqualTo("CAP" + i);
        }
        assertThat(registry.counter("portcullis.database.events.dropped", "reason", "buffer-full").count())
                .isEqualTo(400 - lines.size());
        assertThat(registry.counter("portcullis.database.events.dropped", "reason", "queue-full").count()).isZero();

        // a crash in the middle of an append: the half line is cut off when the buffer opens again
        Files.writeString(file, "{\"node\":\"cap.gateway.test\",\"id\":\"", java.nio.file.StandardOpenOption.APPEND);
        try (EventBuffer reopened = new EventBuffer(directory, cap)) {
            assertThat(reopened.read(1000).events()).hasSize(lines.size());
        }
        assertThat(Files.readAllLines(file)).isEqualTo(lines);
    }
}
