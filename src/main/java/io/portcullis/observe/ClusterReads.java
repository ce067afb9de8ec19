package io.portcullis.observe;

import java.io.IOException;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * Tracking and report figures of every node, from the shared database, for {@code portcullis
 * track}, {@code report} and the dashboard. Without a database these read the local files instead.
 */
public interface ClusterReads {
    /** As {@link TrackingSearch#search}, over every node's events. */
    TrackingSearch.Result search(TrackingSearch.Criteria criteria) throws IOException;

    /** hour -> flow -> figures summed over the nodes, for the hours in [since, until). */
    TreeMap<Instant, Map<String, HourlyAggregates.HourFigures>> hours(Instant since, Instant until) throws IOException;
}
