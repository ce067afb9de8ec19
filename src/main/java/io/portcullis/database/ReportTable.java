package io.portcullis.database;

import com.fasterxml.jackson.core.type.TypeReference;
import io.portcullis.observe.HourlyAggregates.HourFigures;
import io.portcullis.spool.Json;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.TreeMap;

/**
 * The SQL of {@code report_hours}: each node upserts its own absolute figures per hour and flow
 * (sending the same figures twice changes nothing), and a report sums the nodes.
 */
final class ReportTable {
    private static final TypeReference<TreeMap<String, Long>> REJECTS = new TypeReference<>() {
    };

    private ReportTable() {
    }

    static void upsert(Connection connection, String node, Map<Instant, Map<String, HourFigures>> hours) throws SQLException {
        try (PreparedStatement upsert = connection.prepareStatement("INSERT INTO report_hours (node, hour, flow, messages,"
                + " recipients, bytes, delivered, deferred, bounced, expired, rejects) VALUES (?,?,?,?,?,?,?,?,?,?,?::jsonb)"
                + " ON CONFLICT (hour, flow, node) DO UPDATE SET messages = excluded.messages,"
                + " recipients = excluded.recipients, bytes = excluded.bytes, delivered = excluded.delivered,"
                + " deferred = excluded.deferred, bounced = excluded.bounced, expired = excluded.expired,"
                + " rejects = excluded.rejects")) {
            for (var hour : hours.entrySet()) {
                for (var flow : hour.getValue().entrySet()) {
                    HourFigures f = flow.getValue();
                    upsert.setString(1, node);
                    upsert.setTimestamp(2, Timestamp.from(hour.getKey()));
                    upsert.setString(3, flow.getKey());
                    upsert.setLong(4, f.messages);
                    upsert.setLong(5, f.recipients);
                    upsert.setLong(6, f.bytes);
                    upsert.setLong(7, f.delivered);
                    upsert.setLong(8, f.deferred);
                    upsert.setLong(9, f.bounced);
                    upsert.setLong(10, f.expired);
                    try {
                        upsert.setString(11, Json.MAPPER.writeValueAsString(f.rejects));
                    } catch (IOException e) {
                        throw new SQLException(e);
                    }
                    upsert.addBatch();
                }
            }
            upsert.executeBatch();
        }
    }

    /** hour -> flow -> figures summed over every node, for the hours in [since, until). */
    static TreeMap<Instant, Map<String, HourFigures>> read(Connection connection, Instant since, Instant until)
            throws SQLException {
        TreeMap<Instant, Map<String, HourFigures>> result = new TreeMap<>();
        try (PreparedStatement query = connection.prepareStatement("SELECT hour, flow, messages, recipients, bytes,"
                + " delivered, deferred, bounced, expired, rejects::text FROM report_hours WHERE hour >= ? AND hour < ?")) {
            query.setTimestamp(1, Timestamp.from(since.truncatedTo(ChronoUnit.HOURS)));
            query.setTimestamp(2, Timestamp.from(until));
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    HourFigures f = result.computeIfAbsent(rows.getTimestamp(1).toInstant(), h -> new TreeMap<>())
                            .computeIfAbsent(rows.getString(2), flow -> new HourFigures());
                    f.messages += rows.getLong(3);
                    f.recipients += rows.getLong(4);
                    f.bytes += rows.getLong(5);
                    f.delivered += rows.getLong(6);
                    f.deferred += rows.getLong(7);
                    f.bounced += rows.getLong(8);
                    f.expired += rows.getLong(9);
                    try {
                        Json.MAPPER.readValue(rows.getString(10), REJECTS)
                                .forEach((reason, count) -> f.rejects.merge(reason, count, Long::sum));
                    } catch (IOException e) {
                        throw new SQLException(e);
                    }
                }
            }
        }
        return result;
    }
}
