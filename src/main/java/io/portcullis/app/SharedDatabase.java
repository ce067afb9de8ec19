package io.portcullis.app;

import io.portcullis.config.GatewayConfig;
import io.portcullis.database.Database;
import io.portcullis.database.DatabaseReads;
import io.portcullis.database.DatabaseWriter;
import io.portcullis.observe.HourlyAggregates;
import io.portcullis.observe.Telemetry;
import io.portcullis.quarantine.Quarantine;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The shared PostgreSQL store of a running gateway ({@code database:}): the pool, the writer fed
 * by the telemetry and the quarantine, and the reads for the admin API. Built only when configured;
 * starting it never waits for the server.
 */
final class SharedDatabase implements AutoCloseable {
    private final Database database;
    private final DatabaseWriter writer;

    private SharedDatabase(Database database, DatabaseWriter writer) {
        this.database = database;
        this.writer = writer;
    }

    /** Null when no database is configured. */
    static SharedDatabase start(GatewayConfig config, Path dataDirectory, Telemetry telemetry, HourlyAggregates aggregates,
                                Quarantine quarantine) throws IOException {
        if (!config.database().enabled()) {
            return null;
        }
        Database database = new Database(config.database());
        try {
            DatabaseWriter writer = new DatabaseWriter(database, Database.nodeName(config), config.database(),
                    bufferDirectory(config, dataDirectory), config.trackingRetention(), aggregates,
                    dataDirectory.resolve("reports"), quarantine::entries, telemetry.registry(), java.time.Clock.systemUTC());
            telemetry.shareTracking(writer);
            quarantine.mirrorIndexTo(writer);
            return new SharedDatabase(database, writer);
        } catch (IOException | RuntimeException e) {
            database.close();
            throw e;
        }
    }

    static Path bufferDirectory(GatewayConfig config, Path dataDirectory) {
        Path configured = config.database().bufferDirectory();
        return configured != null ? configured : dataDirectory.resolve("database-buffer");
    }

    /** A read of one command: from the configured database (every node), else from this node's files. */
    interface Read<T> {
        T from(io.portcullis.observe.ClusterReads reads) throws IOException;
    }

    interface LocalRead<T> {
        T read() throws IOException;
    }

    static <T> T read(GatewayConfig config, Read<T> shared, LocalRead<T> local) throws IOException {
        if (!config.database().enabled()) {
            return local.read();
        }
        try (Database database = new Database(config.database())) {
            return shared.from(new DatabaseReads(database));
        }
    }

    DatabaseReads reads() {
        return new DatabaseReads(database);
    }

    DatabaseWriter writer() {
        return writer;
    }

    /** The writer sends or buffers what is queued, then the pool closes. */
    @Override
    public void close() throws IOException {
        try {
            writer.close();
        } finally {
            database.close();
        }
    }
}
