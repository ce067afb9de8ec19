package io.portcullis.database;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.portcullis.config.DatabaseConfig;
import io.portcullis.config.GatewayConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.SQLException;
import org.flywaydb.core.Flyway;

/**
 * The connection pool to the shared database and its schema. Creating one never contacts the
 * server (a gateway starts while PostgreSQL is down); the schema is migrated before the first
 * use that needs it, and again after a failure, until it succeeds.
 */
public final class Database implements AutoCloseable {
    private final HikariDataSource pool;
    private volatile boolean migrated;

    public Database(DatabaseConfig config) throws IOException {
        HikariConfig hikari = new HikariConfig();
        hikari.setJdbcUrl(config.url());
        if (config.user() != null) {
            hikari.setUsername(config.user());
        }
        if (config.passwordFile() != null) {
            hikari.setPassword(Files.readAllLines(config.passwordFile(), StandardCharsets.UTF_8).stream().findFirst().orElse(""));
        }
        hikari.setMaximumPoolSize(config.poolSize());
        hikari.setMinimumIdle(0);
        hikari.setPoolName("portcullis-database");
        hikari.setInitializationFailTimeout(-1); // start without the server; connect on first use
        hikari.setConnectionTimeout(3000);
        hikari.setValidationTimeout(1000);
        hikari.addDataSourceProperty("connectTimeout", "3");
        hikari.addDataSourceProperty("socketTimeout", "30");
        hikari.addDataSourceProperty("tcpKeepAlive", "true");
        pool = new HikariDataSource(hikari);
    }

    /** The node's name in the database: its {@code node-id}. */
    public static String nodeName(GatewayConfig config) {
        return config.nodeId();
    }

    /** A pooled connection, the schema migrated first; throws when PostgreSQL cannot be reached. */
    public Connection connection() throws SQLException {
        if (!migrated) {
            migrate();
        }
        return pool.getConnection();
    }

    private synchronized void migrate() throws SQLException {
        if (migrated) {
            return;
        }
        try {
            Flyway.configure(Database.class.getClassLoader()).dataSource(pool).locations("classpath:db/migration")
                    .load().migrate();
        } catch (RuntimeException e) {
            throw new SQLException("migrating the schema failed: " + e.getMessage(), e);
        }
        migrated = true;
    }

    @Override
    public void close() {
        pool.close();
    }
}
