package io.portcullis.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.config.GatewayConfig;
import io.portcullis.database.Database;
import io.portcullis.database.DatabaseReads;
import io.portcullis.database.QuarantineTable;
import io.portcullis.quarantine.QuarantineEntry;
import io.portcullis.quarantine.QuarantineFilter;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code portcullis quarantine list --all-nodes}: the held messages of every node, from the quarantine
 * index in the shared database. The bodies stay on each node: show, preview and release run on
 * (or through the admin API of) the node named in the NODE column.
 */
final class QuarantineAcrossNodes {
    private QuarantineAcrossNodes() {
    }

    /** Exit code: 0 listed, 1 the database could not be read, 2 no database configured or a bad filter. */
    static int list(GatewayConfig config, JsonNode filterOptions, int offset, int limit, boolean json, PrintWriter out,
                    PrintWriter err) throws IOException {
        if (!config.database().enabled()) {
            err.println("portcullis quarantine: --all-nodes needs a database: section in the configuration (--config)");
            return 2;
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        filterOptions.properties().forEach(p -> parameters.put(p.getKey(), p.getValue().asText()));
        QuarantineFilter filter;
        try {
            filter = QuarantineFilter.parse(parameters);
        } catch (IllegalArgumentException e) {
            err.println("portcullis quarantine: " + e.getMessage());
            return 2;
        }
        List<QuarantineTable.NodeEntry> entries;
        try (Database database = new Database(config.database())) {
            entries = new DatabaseReads(database).quarantine(filter, offset, limit);
        } catch (IOException e) {
            err.println("portcullis quarantine: " + e.getMessage());
            return 1;
        }
        if (json) {
            out.println(QueueCommands.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(entries));
            return 0;
        }
        out.printf("%-12s %-18s %-20s %-16s %6s  %s%n", "NODE", "ID", "HELD AT", "REASON", "SCORE", "SENDER / SUBJECT");
        for (QuarantineTable.NodeEntry row : entries) {
            QuarantineEntry entry = row.entry();
            out.printf(Locale.ROOT, "%-12s %-18s %-20s %-16s %6s  <%s> %s%n", row.node(), entry.id(),
                    entry.arrival().toString().replaceFirst("\\.\\d+Z$", "Z"), entry.category(),
                    entry.score() == null ? "-" : String.format(Locale.ROOT, "%.1f", entry.score()), entry.sender(),
                    entry.subject() == null ? "" : entry.subject());
        }
        out.println("-- " + entries.size() + " held on all nodes");
        return 0;
    }
}
