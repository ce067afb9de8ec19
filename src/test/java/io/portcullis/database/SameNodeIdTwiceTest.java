package io.portcullis.database;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.portcullis.config.DatabaseConfig;
import io.portcullis.observe.TrackingEvent;
import io.portcullis.testing.Eventually;
import io.portcullis.testing.MutableClock;
import io.portcullis.testing.PostgresServer;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Two live gateways with one node-id on one real PostgreSQL (a cloned host keeps its host name, the
 * node-id's default): each writer notices at its hourly maintenance that events under its name
 * carry another process's boot id, and says so (portcullis_database_node_conflict 1 and a log
 * line). A node alone under its name, restarted or not, is no conflict.
 */
class SameNodeIdTwiceTest {

    private static TrackingEvent event(String queueId) {
        return new TrackingEvent(Instant.now(), "RECEIVE", queueId, null, "inbound", "inbound", "127.0.0.1",
                "s@remote.test", List.of("u@example.test"), 10L, null, null, null, null);
    }

    /** Events in the table; 0 while the writers have not created it yet. */
    private static long count(PostgresServer postgres) {
        try {
            return Long.parseLong(postgres.query("SELECT count(*) FROM tracking_events"));
        } catch (Exception | AssertionError e) { // psql fails while the table is not there
            return 0;
        }
    }

    /** portcullis_database_node_conflict; -1 when the writer has no such gauge. */
    private static double conflict(SimpleMeterRegistry registry) {
        var gauge = registry.find("portcullis.database.node.conflict").gauge();
        return gauge == null ? -1 : gauge.value();
    }

    @Test
    void twoWritersUnderOneNameEachSeeTheOther() throws Exception {
        MutableClock clock = new MutableClock();
        try (PostgresServer postgres = PostgresServer.start()) {
            DatabaseConfig config = DatabaseConfig.NONE.with(postgres.url(), PostgresServer.USER, null)
                    .withBuffer(1 << 20, Duration.ofMillis(100), Duration.ofMillis(300));
            SimpleMeterRegistry registryA = new SimpleMeterRegistry();
            SimpleMeterRegistry registryB = new SimpleMeterRegistry();
            SimpleMeterRegistry registryAlone = new SimpleMeterRegistry();
            try (Database database = new Database(config);
                 DatabaseWriter alone = new DatabaseWriter(database, "alone", config,
                         Files.createTempDirectory("buffer-alone"), Duration.ofDays(30), null, null, null,
                         registryAlone, clock);
                 DatabaseWriter a = new DatabaseWriter(database, "mx", config, Files.createTempDirectory("buffer-a"),
                         Duration.ofDays(30), null, null, null, registryA, clock);
                 DatabaseWriter b = new DatabaseWriter(database, "mx", config, Files.createTempDirectory("buffer-b"),
                         Duration.ofDays(30), null, null, null, registryB, clock)) {
                alone.write(event("ALONE1"));
                a.write(event("A1"));
                b.write(event("B1"));
                Eventually.await(Duration.ofSeconds(20), "the events written", () -> count(postgres) == 3);

                // a writer may see the other at its first maintenance already; the next one, at the next write, at the latest
                clock.advance(Duration.ofMinutes(61));
                alone.write(event("ALONE2"));
                a.write(event("A2"));
                b.write(event("B2"));
                Eventually.await(Duration.ofSeconds(20), "both see the other",
                        () -> conflict(registryA) == 1 && conflict(registryB) == 1);
                assertThat(conflict(registryAlone)).isZero();
            }
        }
    }
}
