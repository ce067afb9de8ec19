package io.portcullis.database;

import io.portcullis.observe.ClusterReads;
import io.portcullis.observe.HourlyAggregates.HourFigures;
import io.portcullis.observe.TrackingSearch;
import io.portcullis.quarantine.QuarantineFilter;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What {@code track}, {@code report}, the dashboard and the quarantine listing read from the shared database. */
public final class DatabaseReads implements ClusterReads {
    private final Database database;

    public DatabaseReads(Database database) {
        this.database = database;
    }

    @Override
    public TrackingSearch.Result search(TrackingSearch.Criteria criteria) throws IOException {
        try (Connection connection = database.connection()) {
            return TrackingTable.search(connection, criteria);
        } catch (SQLException e) {
            throw unreadable(e);
        }
    }

    @Override
    public TreeMap<Instant, Map<String, HourFigures>> hours(Instant since, Instant until) throws IOException {
        try (Connection connection = database.connection()) {
            return ReportTable.read(connection, since, until);
        } catch (SQLException e) {
            throw unreadable(e);
        }
    }

    /** Held messages of every node matching {@code filter}, newest first. */
    public List<QuarantineTable.NodeEntry> quarantine(QuarantineFilter filter, int offset, int limit) throws IOException {
        try (Connection connection = database.connection()) {
            return QuarantineTable.list(connection, filter, offset, limit);
        } catch (SQLException e) {
            throw unreadable(e);
        }
    }

    /** The first line of the driver's message (Flyway's run to many), and what to do instead. */
    private IOException unreadable(SQLException e) {
        String message = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
        return new IOException("cannot read the shared database (" + message + "); this node's own files are read"
                + " without --config", e);
    }
}
