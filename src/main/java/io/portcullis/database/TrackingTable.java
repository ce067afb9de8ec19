package io.portcullis.database;

import io.portcullis.observe.TrackingEvent;
import io.portcullis.observe.TrackingSearch;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The SQL of {@code tracking_events}: batch inserts that skip rows already there, the daily
 * partitions (created ahead, dropped past the retention) and the search behind {@code track}.
 */
final class TrackingTable {
    private static final DateTimeFormatter SUFFIX = DateTimeFormatter.BASIC_ISO_DATE;
    private static final String COLUMNS = "time, node, event_id, event, queue_id, message_id, listener, flow, client, "
            + "sender, recipients, size, connector, remote_host, reply, reason, helo, phase, check_name, tls";
    private static final int COLUMN_COUNT = 20;

    private TrackingTable() {
    }

    static String partitionName(LocalDate day) {
        return "tracking_events_" + SUFFIX.format(day);
    }

    /**
     * Creates the day's partition unless it exists. Two nodes may try at once: a transaction-level
     * advisory lock orders them, so the second sees the first's table.
     */
    static void ensurePartition(Connection connection, LocalDate day) throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try (Statement statement = connection.createStatement()) {
            statement.execute("SELECT pg_advisory_xact_lock(hashtext('portcullis.tracking_events.partitions'))");
            statement.execute("CREATE TABLE IF NOT EXISTS " + partitionName(day) + " PARTITION OF tracking_events"
                    + " FOR VALUES FROM ('" + day + "T00:00:00Z') TO ('" + day.plusDays(1) + "T00:00:00Z')");
            connection.commit();
        } catch (SQLException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }

    /** Drops the partitions of days before {@code oldestKept}; returns their names. */
    static List<String> dropBefore(Connection connection, LocalDate oldestKept) throws SQLException {
        List<String> dropped = new ArrayList<>();
        List<String> names = new ArrayList<>();
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT c.relname FROM pg_inherits i"
                     + " JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent"
                     + " WHERE p.relname = 'tracking_events'")) {
            while (rows.next()) {
                names.add(rows.getString(1));
            }
        }
        for (String name : names) {
            if (!name.matches("tracking_events_\\d{8}")) {
                continue;
            }
            LocalDate day = LocalDate.parse(name.substring(16), SUFFIX);
            if (day.isBefore(oldestKept)) {
                try (Statement statement = connection.createStatement()) {
                    statement.execute("DROP TABLE IF EXISTS " + name);
                }
                dropped.add(name);
            }
        }
        return dropped;
    }

    /** Whether an event of {@code node} since {@code since} has an id that does not start with {@code idPrefix}. */
    static boolean otherWriter(Connection connection, String node, Instant since, String idPrefix) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement("SELECT EXISTS (SELECT 1 FROM tracking_events"
                + " WHERE time >= ? AND node = ? AND left(event_id::text, ?) <> ?)")) {
            query.setTimestamp(1, Timestamp.from(since));
            query.setString(2, node);
            query.setInt(3, idPrefix.length());
            query.setString(4, idPrefix);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next() && rows.getBoolean(1);
            }
        }
    }

    /** One multi-row INSERT; rows whose (time, node, event_id) is there already are skipped. Returns rows inserted. */
    static int insert(Connection connection, List<PendingEvent> events) throws SQLException {
        if (events.isEmpty()) {
            return 0;
        }
        StringBuilder sql = new StringBuilder(64 + events.size() * COLUMN_COUNT * 3).append("INSERT INTO tracking_events (")
                .append(COLUMNS).append(") VALUES ");
        String row = "(" + String.join(",", java.util.Collections.nCopies(COLUMN_COUNT, "?")) + ")";
        for (int i = 0; i < events.size(); i++) {
            sql.append(i == 0 ? "" : ",").append(row);
        }
        sql.append(" ON CONFLICT DO NOTHING");
        try (PreparedStatement insert = connection.prepareStatement(sql.toString())) {
            int p = 1;
            for (PendingEvent pending : events) {
                TrackingEvent e = pending.event();
                insert.setTimestamp(p++, Timestamp.from(e.time()));
                insert.setString(p++, pending.node());
                insert.setObject(p++, pending.id());
                insert.setString(p++, e.event());
                insert.setString(p++, e.queueId());
                insert.setString(p++, e.messageId());
                insert.setString(p++, e.listener());
                insert.setString(p++, e.flow());
                insert.setString(p++, e.client());
                insert.setString(p++, e.sender());
                if (e.recipients() == null) {
                    insert.setNull(p++, Types.ARRAY);
                } else {
                    insert.setArray(p++, connection.createArrayOf("text", e.recipients().toArray()));
                }
                if (e.size() == null) {
                    insert.setNull(p++, Types.BIGINT);
                } else {
                    insert.setLong(p++, e.size());
                }
                insert.setString(p++, e.connector());
                insert.setString(p++, e.remoteHost());
                insert.setString(p++, e.reply());
                insert.setString(p++, e.reason());
                insert.setString(p++, e.helo());
                insert.setString(p++, e.phase());
                insert.setString(p++, e.check());
                insert.setString(p++, e.tls());
            }
            return insert.executeUpdate();
        }
    }

    /**
     * The search of {@link TrackingSearch#search}, across nodes: messages (node and queue id) with
     * an event in the window that matches every criterion, each with its whole timeline in the
     * window, plus matching refusals without a queue id. Timelines are keyed by queue id.
     */
    static TrackingSearch.Result search(Connection connection, TrackingSearch.Criteria c) throws SQLException {
        List<Object> parameters = new ArrayList<>();
        StringBuilder where = new StringBuilder("time >= ? AND time <= ?");
        parameters.add(Timestamp.from(c.since()));
        parameters.add(Timestamp.from(c.until()));
        if (c.sender() != null) {
            where.append(" AND lower(sender) = lower(?)");
            parameters.add(c.sender());
        }
        if (c.recipient() != null) {
            // recipients are matched in any case, as the file search does
            where.append(" AND EXISTS (SELECT 1 FROM unnest(recipients) r WHERE lower(r) = lower(?))");
            parameters.add(c.recipient());
        }
        if (c.messageId() != null) {
            where.append(" AND translate(message_id, '<>', '') = ?");
            parameters.add(c.messageId().replaceAll("[<>]", ""));
        }
        if (c.queueId() != null) {
            where.append(" AND queue_id = ?");
            parameters.add(c.queueId());
        }
        if (c.flow() != null) {
            where.append(" AND flow = ?");
            parameters.add(c.flow());
        }
        if (c.client() != null) {
            where.append(" AND lower(client) = lower(?)");
            parameters.add(c.client());
        }
        String select = "SELECT " + COLUMNS + " FROM tracking_events";
        String sql = select + " t WHERE time >= ? AND time <= ? AND (node, queue_id) IN"
                + " (SELECT node, queue_id FROM tracking_events WHERE queue_id IS NOT NULL AND " + where + ")"
                + " UNION ALL " + select + " WHERE queue_id IS NULL AND " + where
                + " ORDER BY time, event_id LIMIT 100000";
        Map<String, List<TrackingEvent>> timelines = new LinkedHashMap<>();
        List<TrackingEvent> refusals = new ArrayList<>();
        try (PreparedStatement query = connection.prepareStatement(sql)) {
            int p = 1;
            query.setTimestamp(p++, Timestamp.from(c.since()));
            query.setTimestamp(p++, Timestamp.from(c.until()));
            for (int round = 0; round < 2; round++) {
                for (Object parameter : parameters) {
                    query.setObject(p++, parameter);
                }
            }
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    TrackingEvent event = event(rows);
                    if (event.queueId() == null) {
                        refusals.add(event);
                    } else {
                        timelines.computeIfAbsent(event.queueId(), id -> new ArrayList<>()).add(event);
                    }
                }
            }
        }
        return new TrackingSearch.Result(timelines, refusals);
    }

    private static TrackingEvent event(ResultSet rows) throws SQLException {
        Array recipients = rows.getArray("recipients");
        long size = rows.getLong("size");
        Long sizeOrNull = rows.wasNull() ? null : size;
        return new TrackingEvent(rows.getTimestamp("time").toInstant(), rows.getString("event"), rows.getString("queue_id"),
                rows.getString("message_id"), rows.getString("listener"), rows.getString("flow"), rows.getString("client"),
                rows.getString("sender"), recipients == null ? null : Arrays.asList((String[]) recipients.getArray()),
                sizeOrNull, rows.getString("connector"), rows.getString("remote_host"), rows.getString("reply"),
                rows.getString("reason"), rows.getString("helo"), rows.getString("phase"), rows.getString("check_name"),
                rows.getString("tls"));
    }

    static LocalDate dayOf(Instant time) {
        return LocalDate.ofInstant(time, ZoneOffset.UTC);
    }
}
