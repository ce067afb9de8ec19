package io.portcullis.database;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.portcullis.config.DatabaseConfig;
import io.portcullis.observe.TrackingEvent;
import io.portcullis.testing.Eventually;
import io.portcullis.testing.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The disk buffer damaged in the middle (a disk fault, a hand edit, buffers of two nodes pasted
 * together): lines that are JSON but not a whole event ({@code null}, no event, an event without a
 * time or a name) are skipped like lines that are not JSON at all. Before, one such line stopped
 * the writer for good: a NullPointerException on every try, or a NOT NULL violation the database
 * refused on every retry, with every later event queued behind it on disk.
 */
class DamagedBufferLineTest {
    private static final String NODE = "damaged";

    private static PendingEvent event(String queueId) {
        return new PendingEvent(NODE, UUID.randomUUID(), new TrackingEvent(Instant.now(), "RECEIVE", queueId, null,
                "inbound", "inbound", "127.0.0.1", "s@remote.test", List.of("u@example.test"), 10L, null, null, null, null));
    }

    @Test
    void wholeEventsAroundDamagedLinesReachTheDatabaseAndTheWriterGoesOn() throws Exception {
        Path directory = Files.createTempDirectory("database-buffer");
        Path file = directory.resolve(EventBuffer.FILE);
        List<PendingEvent> before = new ArrayList<>();
        List<PendingEvent> after = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            before.add(event("BEFORE" + i));
            after.add(event("AFTER" + i));
        }
        try (EventBuffer buffer = new EventBuffer(directory, 1 << 20)) {
            buffer.append(before);
        }
        String time = Instant.now().toString();
        Files.writeString(file, String.join("\n",
                "null",
                "{\"node\":\"" + NODE + "\"}",
                "{\"node\":\"" + NODE + "\",\"id\":\"" + UUID.randomUUID() + "\",\"event\":{}}",
                "{\"node\":\"" + NODE + "\",\"id\":\"" + UUID.randomUUID() + "\",\"event\":{\"queueId\":\"NOTIME\"}}",
                "{\"node\":\"" + NODE + "\",\"id\":\"" + UUID.randomUUID() + "\",\"event\":{\"time\":\"" + time
                        + "\",\"queueId\":\"NONAME\"}}",
                "{\"id\":\"" + UUID.randomUUID() + "\",\"event\":{\"time\":\"" + time + "\",\"event\":\"RECEIVE\"}}",
                "") , StandardOpenOption.APPEND);
        try (EventBuffer buffer = new EventBuffer(directory, 1 << 20)) {
            buffer.append(after);
        }
        try (PostgresServer postgres = PostgresServer.start()) {
            DatabaseConfig config = DatabaseConfig.NONE.with(postgres.url(), PostgresServer.USER, directory)
                    .withBuffer(1 << 20, Duration.ofMillis(100), Duration.ofMillis(300));
            try (Database database = new Database(config);
                 DatabaseWriter writer = new DatabaseWriter(database, NODE, config, directory, Duration.ofDays(30), null,
                         null, null, new SimpleMeterRegistry(), Clock.systemUTC())) {
                Eventually.await(Duration.ofSeconds(20), "the damaged buffer flushed", () -> writer.bufferBytes() == 0);
                writer.write(event("LIVE").event());
                Eventually.await(Duration.ofSeconds(20), "a new event written", () ->
                        postgres.query("SELECT count(*) FROM tracking_events WHERE queue_id = 'LIVE'").equals("1"));
            }
            assertThat(postgres.query("SELECT string_agg(queue_id, ',' ORDER BY queue_id) FROM tracking_events"))
                    .isEqualTo("AFTER0,AFTER1,AFTER2,BEFORE0,BEFORE1,BEFORE2,LIVE");
        }
    }
}
