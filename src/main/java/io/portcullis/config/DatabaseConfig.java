package io.portcullis.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The shared PostgreSQL store ({@code database:}) that several nodes write tracking events, report
 * figures and the quarantine index to, so that {@code portcullis track}, {@code report} and the
 * dashboard see every node. Absent (the default, {@link #NONE}): each node keeps them in local
 * files only. Present: the local files are still written; the database is added.
 *
 * @param url             a JDBC URL, {@code jdbc:postgresql://db.example.test:5432/portcullis}
 * @param user            the database role (null: the driver's default)
 * @param passwordFile    a file whose first line is the password (null: none, e.g. trust or a .pgpass)
 * @param poolSize        connections in the pool (4)
 * @param bufferDirectory where events wait while PostgreSQL is unreachable (null: {@code DATA/database-buffer})
 * @param bufferMaxBytes  the disk buffer's cap; events past it are dropped, counted and logged (256 MiB)
 * @param flushInterval   how long the writer gathers events before it sends a batch (1 s)
 * @param retryInterval   how long it waits before trying again after a failure (10 s)
 * @param batchSize       events per INSERT at most (500)
 * @param queueCapacity   events waiting in memory for the writer (20,000: some seconds of a busy
 *                        gateway); past it events are dropped for the database and counted
 */
public record DatabaseConfig(String url, String user, Path passwordFile, int poolSize, Path bufferDirectory,
                             long bufferMaxBytes, Duration flushInterval, Duration retryInterval, int batchSize,
                             int queueCapacity) {
    public static final DatabaseConfig NONE = new DatabaseConfig(null, null, null, 4, null, 256L * 1024 * 1024,
            Duration.ofSeconds(1), Duration.ofSeconds(10), 500, 20_000);

    /** True when a database is configured. */
    public boolean enabled() {
        return url != null;
    }

    /** With another url, user and buffer directory (tests point nodes at their own server and buffer). */
    public DatabaseConfig with(String url, String user, Path bufferDirectory) {
        return new DatabaseConfig(url, user, passwordFile, poolSize, bufferDirectory, bufferMaxBytes, flushInterval,
                retryInterval, batchSize, queueCapacity);
    }

    /** With other buffer, flush and retry settings. */
    public DatabaseConfig withBuffer(long bufferMaxBytes, Duration flushInterval, Duration retryInterval) {
        return new DatabaseConfig(url, user, passwordFile, poolSize, bufferDirectory, bufferMaxBytes, flushInterval,
                retryInterval, batchSize, queueCapacity);
    }

    /** Reads {@code database:}; errors name the file, line and key. */
    static DatabaseConfig read(YamlMap top, Path base) {
        if (!top.has("database")) {
            return NONE;
        }
        YamlMap database = top.map("database");
        String url = database.requiredString("url", top.node("database"));
        if (url != null && !url.startsWith("jdbc:postgresql:")) {
            database.errors().add(database.node("url"), database.keyPath("url"),
                    "expected a PostgreSQL JDBC URL, such as jdbc:postgresql://db.example.test:5432/portcullis");
        }
        String user = database.string("user", null);
        Path passwordFile = database.readableFile("password-file", base);
        int poolSize = database.integer("pool-size", NONE.poolSize(), 1, 64);
        YamlMap buffer = database.map("buffer");
        String directory = buffer.string("directory", null);
        long maxBytes = buffer.size("max-bytes", NONE.bufferMaxBytes());
        if (maxBytes < 64 * 1024) {
            buffer.errors().add(buffer.node("max-bytes"), buffer.keyPath("max-bytes"), "must be at least 64k");
        }
        buffer.finish();
        Duration flush = database.duration("flush-interval", NONE.flushInterval());
        if (flush != null && (flush.toMillis() < 10 || flush.toMinutes() > 10)) {
            database.errors().add(database.node("flush-interval"), database.keyPath("flush-interval"),
                    "must be from 10ms to 10m");
        }
        Duration retry = database.duration("retry-interval", NONE.retryInterval());
        if (retry != null && (retry.toMillis() < 100 || retry.toHours() > 1)) {
            database.errors().add(database.node("retry-interval"), database.keyPath("retry-interval"),
                    "must be from 100ms to 1h");
        }
        int batch = database.integer("batch-size", NONE.batchSize(), 1, 10_000);
        int queue = database.integer("queue-capacity", NONE.queueCapacity(), 100, 1_000_000);
        database.finish();
        return new DatabaseConfig(url, user, passwordFile, poolSize, directory == null ? null : base.resolve(directory),
                maxBytes, flush, retry, batch, queue);
    }
}
