package io.portcullis.database;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.portcullis.config.DatabaseConfig;
import io.portcullis.observe.TrackingEvent;
import io.portcullis.testing.Eventually;
import io.portcullis.testing.PostgresServer;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.SmtpSink;
import io.portcullis.testing.TestGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL down never blocks mail and loses no tracking event: events wait in the node's disk
 * buffer and reach the database once it is back, each exactly once, also when a flush was cut
 * short by a crash.
 */
class DatabaseOutageTest {
    private static final String NODE = "outage";
    private static PostgresServer postgres;
    private static SmtpSink sink;
    private static TestGateway node;

    @BeforeAll
    static void start() throws Exception {
        postgres = PostgresServer.start();
        sink = SmtpSink.start(SmtpSink.freePort());
        node = SharedDatabaseNodes.node(NODE, postgres, sink.port(), "");
    }

    @AfterAll
    static void stop() throws Exception {
        try (PostgresServer p = postgres) {
            if (node != null) {
                node.close();
            }
            if (sink != null) {
                sink.close();
            }
        }
    }

    private static String send(int i) throws Exception {
        try (SmtpScript smtp = node.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            return smtp.sendMessage("outage" + i + "@remote.test", "user@example.test", "Subject: " + i + "\r\n\r\nx\r\n");
        }
    }

    private static long count(String sql) throws Exception {
        return Long.parseLong(postgres.query(sql));
    }

    @Test
    void postgresStoppedLosesNoEventAndLaterShowsEachExactlyOnce() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(send(i));
        }
        assertThat(node.awaitEmptyQueue(20)).isTrue();
        Eventually.await(Duration.ofSeconds(15), "the first deliveries in the database", () ->
                count("SELECT count(*) FROM tracking_events WHERE node = '" + NODE + "' AND event = 'DELIVER'") == 3);

        postgres.stop();
        Path buffer = node.dataDirectory().resolve("database-buffer").resolve(EventBuffer.FILE);
        for (int i = 3; i < 6; i++) {
            ids.add(send(i)); // 250 2.0.0 as ever: the session never waits for the database
        }
        assertThat(node.awaitEmptyQueue(20)).as("delivery goes on").isTrue();
        Eventually.await(Duration.ofSeconds(15), "the events of the outage in the disk buffer", () ->
                Files.size(buffer) > 0 && Files.readString(buffer).split("\"event\":\"DELIVER\"", -1).length == 4);
        assertThat(node.metrics()).contains("portcullis_database_up 0.0");

        postgres.startAgain();
        Eventually.await(Duration.ofSeconds(20), "every event in the database", () ->
                count("SELECT count(*) FROM tracking_events WHERE node = '" + NODE + "'") >= 18 && Files.size(buffer) == 0);
        assertThat(count("SELECT count(*) FROM tracking_events WHERE node = '" + NODE + "'")).isEqualTo(18);
        for (String id : ids) {
            assertThat(postgres.query("SELECT string_agg(event, ',' ORDER BY time, event) FROM tracking_events"
                    + " WHERE queue_id = '" + id + "'")).as(id).isEqualTo("RECEIVE,QUEUE,DELIVER");
        }
        assertThat(node.metrics()).contains("portcullis_database_up 1.0",
                "portcullis_database_events_dropped_total{reason=\"buffer-full\"} 0.0");
        send(6); // and the node still takes mail
    }

    @Test
    void aFlushCutShortByACrashIsSentAgainWithoutDuplicates() throws Exception {
        String crashed = "crashed.gateway.test";
        Path directory = Files.createTempDirectory("database-buffer");
        List<PendingEvent> events = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            events.add(new PendingEvent(crashed, UUID.randomUUID(), new TrackingEvent(Instant.now(), "RECEIVE", "CRASH" + i,
                    null, "inbound", "inbound", "127.0.0.1", "c" + i + "@remote.test", List.of("u@example.test"), 10L,
                    null, null, null, null)));
        }
        try (EventBuffer buffer = new EventBuffer(directory, 1 << 20)) {
            assertThat(buffer.append(events)).isZero();
        }
        DatabaseConfig config = DatabaseConfig.NONE.with(postgres.url(), PostgresServer.USER, directory)
                .withBuffer(1 << 20, Duration.ofMillis(100), Duration.ofMillis(500));
        try (Database database = new Database(config)) {
            // the crash: the first four were inserted, but the buffer was never truncated
            try (Connection connection = database.connection()) {
                TrackingTable.ensurePartition(connection, TrackingTable.dayOf(Instant.now()));
                TrackingTable.insert(connection, events.subList(0, 4));
            }
            try (DatabaseWriter writer = new DatabaseWriter(database, crashed, config, directory, Duration.ofDays(30), null,
                    null, null, new SimpleMeterRegistry(), Clock.systemUTC())) {
                Eventually.await(Duration.ofSeconds(15), "the buffer flushed", () -> writer.bufferBytes() == 0);
            }
        }
        assertThat(count("SELECT count(*) FROM tracking_events WHERE node = '" + crashed + "'")).isEqualTo(10);
        assertThat(count("SELECT count(DISTINCT queue_id) FROM tracking_events WHERE node = '" + crashed + "'")).isEqualTo(10);
        assertThat(Files.size(directory.resolve(EventBuffer.FILE))).isZero();
    }

    @Test
    void theWriterCreatesDaysAheadAndDropsPartitionsPastTheRetention() throws Exception {
        DatabaseConfig config = DatabaseConfig.NONE.with(postgres.url(), PostgresServer.USER, null)
                .withBuffer(1 << 20, Duration.ofMillis(100), Duration.ofMillis(500));
        java.time.LocalDate today = TrackingTable.dayOf(Instant.now());
        try (Database database = new Database(config)) {
            try (Connection connection = database.connection()) {
                TrackingTable.ensurePartition(connection, today.minusDays(40));
                TrackingTable.ensurePartition(connection, today.minusDays(29));
            }
            Path directory = Files.createTempDirectory("database-buffer");
            try (DatabaseWriter writer = new DatabaseWriter(database, "retention.gateway.test", config, directory,
                    Duration.ofDays(30), null, null, null, new SimpleMeterRegistry(), Clock.systemUTC())) {
                writer.write(new TrackingEvent(Instant.now(), "RECEIVE", "RETAIN1", null, "inbound", "inbound", "127.0.0.1",
                        "r@remote.test", List.of("u@example.test"), 1L, null, null, null, null));
                Eventually.await(Duration.ofSeconds(15), "the event written", () ->
                        count("SELECT count(*) FROM tracking_events WHERE queue_id = 'RETAIN1'") == 1);
            }
        }
        String partitions = postgres.query("SELECT string_agg(c.relname, ',' ORDER BY c.relname) FROM pg_inherits i"
                + " JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'tracking_events'");
        assertThat(partitions).doesNotContain(TrackingTable.partitionName(today.minusDays(40)))
                .contains(TrackingTable.partitionName(today.minusDays(29)), TrackingTable.partitionName(today),
                        TrackingTable.partitionName(today.plusDays(1)), TrackingTable.partitionName(today.plusDays(2)));
    }
}
