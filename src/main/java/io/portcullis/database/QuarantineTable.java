package io.portcullis.database;

import com.fasterxml.jackson.core.type.TypeReference;
import io.portcullis.quarantine.QuarantineEntry;
import io.portcullis.quarantine.QuarantineFilter;
import io.portcullis.spool.Json;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The SQL of {@code quarantine_entries}: each node's held messages (metadata only; the body stays
 * on the node and is fetched through that node's admin API), and a listing across nodes.
 */
public final class QuarantineTable {
    private static final TypeReference<LinkedHashMap<String, String>> STATES = new TypeReference<>() {
    };

    /** An entry and the node holding it. */
    public record NodeEntry(String node, QuarantineEntry entry) {
    }

    private QuarantineTable() {
    }

    static void upsert(Connection connection, String node, Collection<QuarantineEntry> entries) throws SQLException {
        try (PreparedStatement upsert = connection.prepareStatement("INSERT INTO quarantine_entries (node, id, category,"
                + " reason, score, sender, recipients, subject, arrival, expires, size, listener, flow, message_id)"
                + " VALUES (?,?,?,?,?,?,?::jsonb,?,?,?,?,?,?,?) ON CONFLICT (node, id) DO UPDATE SET"
                + " category = excluded.category, reason = excluded.reason, score = excluded.score,"
                + " sender = excluded.sender, recipients = excluded.recipients, subject = excluded.subject,"
                + " arrival = excluded.arrival, expires = excluded.expires, size = excluded.size,"
                + " listener = excluded.listener, flow = excluded.flow, message_id = excluded.message_id")) {
            for (QuarantineEntry e : entries) {
                upsert.setString(1, node);
                upsert.setString(2, e.id());
                upsert.setString(3, e.category());
                upsert.setString(4, e.reason());
                if (e.score() == null) {
                    upsert.setNull(5, Types.DOUBLE);
                } else {
                    upsert.setDouble(5, e.score());
                }
                upsert.setString(6, e.sender());
                try {
                    upsert.setString(7, Json.MAPPER.writeValueAsString(e.recipients()));
                } catch (IOException x) {
                    throw new SQLException(x);
                }
                upsert.setString(8, e.subject());
                upsert.setTimestamp(9, Timestamp.from(e.arrival()));
                upsert.setTimestamp(10, Timestamp.from(e.expires()));
                upsert.setLong(11, e.size());
                upsert.setString(12, e.listener());
                upsert.setString(13, e.flow());
                upsert.setString(14, e.messageId());
                upsert.addBatch();
            }
            upsert.executeBatch();
        }
    }

    static void delete(Connection connection, String node, Collection<String> ids) throws SQLException {
        try (PreparedStatement delete = connection.prepareStatement("DELETE FROM quarantine_entries WHERE node = ? AND id = ANY (?)")) {
            delete.setString(1, node);
            delete.setArray(2, connection.createArrayOf("text", ids.toArray()));
            delete.executeUpdate();
        }
    }

    /** Removes this node's rows for entries it no longer holds (after a restart or an outage). */
    static void keepOnly(Connection connection, String node, Collection<String> ids) throws SQLException {
        try (PreparedStatement delete = connection.prepareStatement(
                "DELETE FROM quarantine_entries WHERE node = ? AND NOT (id = ANY (?))")) {
            delete.setString(1, node);
            delete.setArray(2, connection.createArrayOf("text", ids.toArray()));
            delete.executeUpdate();
        }
    }

    /** Entries of every node matching {@code filter}, newest first, {@code offset} skipped, at most {@code limit}. */
    static List<NodeEntry> list(Connection connection, QuarantineFilter filter, int offset, int limit) throws SQLException {
        List<NodeEntry> result = new ArrayList<>();
        try (PreparedStatement query = connection.prepareStatement("SELECT node, id, category, reason, score, sender,"
                + " recipients::text, subject, arrival, expires, size, listener, flow, message_id FROM quarantine_entries"
                + " WHERE arrival >= ? AND arrival < ? ORDER BY arrival DESC, id, node")) {
            query.setTimestamp(1, Timestamp.from(filter.since() == null ? java.time.Instant.EPOCH : filter.since()));
            query.setTimestamp(2, Timestamp.from(filter.until() == null ? java.time.Instant.parse("9999-01-01T00:00:00Z")
                    : filter.until()));
            int skipped = 0;
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next() && result.size() < limit) {
                    double score = rows.getDouble(5);
                    Double scoreOrNull = rows.wasNull() ? null : score;
                    QuarantineEntry entry;
                    try {
                        entry = new QuarantineEntry(rows.getString(2), rows.getString(3), rows.getString(4), scoreOrNull,
                                rows.getString(6), Json.MAPPER.readValue(rows.getString(7), STATES), rows.getString(8),
                                rows.getTimestamp(9).toInstant(), rows.getTimestamp(10).toInstant(), rows.getLong(11),
                                rows.getString(12), rows.getString(13), rows.getString(14));
                    } catch (IOException e) {
                        throw new SQLException(e);
                    }
                    if (filter.matches(entry) && skipped++ >= offset) {
                        result.add(new NodeEntry(rows.getString(1), entry));
                    }
                }
            }
        }
        return result;
    }
}
