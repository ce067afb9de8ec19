package io.portcullis.observe;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Searching the tracking log, for {@code portcullis track} and the admin API alike: a message
 * matches when any of its events matches every criterion given (null criteria match anything);
 * the result is each matching message's whole timeline, plus refusals that never got a queue id.
 */
public final class TrackingSearch {
    private TrackingSearch() {
    }

    /** Each non-null fact must match; {@code client} is the client's address as logged (refusals and RECEIVE). */
    public record Criteria(String sender, String recipient, String messageId, String queueId, String flow, String client,
                           Instant since, Instant until) {
    }

    public record Result(Map<String, List<TrackingEvent>> timelines, List<TrackingEvent> refusals) {
    }

    public static Result search(Path trackingDirectory, Criteria criteria) throws IOException {
        List<TrackingEvent> events = TrackingLog.read(trackingDirectory,
                LocalDate.ofInstant(criteria.since(), ZoneOffset.UTC), LocalDate.ofInstant(criteria.until(), ZoneOffset.UTC),
                e -> !e.time().isBefore(criteria.since()) && !e.time().isAfter(criteria.until()));
        Set<String> ids = new LinkedHashSet<>();
        List<TrackingEvent> refusals = new ArrayList<>();
        for (TrackingEvent event : events) {
            if (matches(criteria, event)) {
                if (event.queueId() != null) {
                    ids.add(event.queueId());
                } else {
                    refusals.add(event);
                }
            }
        }
        Map<String, List<TrackingEvent>> timelines = new LinkedHashMap<>();
        for (TrackingEvent event : events) {
            if (event.queueId() != null && ids.contains(event.queueId())) {
                timelines.computeIfAbsent(event.queueId(), id -> new ArrayList<>()).add(event);
            }
        }
        return new Result(timelines, refusals);
    }

    private static boolean matches(Criteria c, TrackingEvent event) {
        return (c.sender() == null || c.sender().equalsIgnoreCase(event.sender()))
                && (c.recipient() == null || (event.recipients() != null
                        && event.recipients().stream().anyMatch(c.recipient()::equalsIgnoreCase)))
                && (c.messageId() == null || strip(c.messageId()).equals(strip(event.messageId())))
                && (c.queueId() == null || c.queueId().equals(event.queueId()))
                && (c.flow() == null || c.flow().equals(event.flow()))
                && (c.client() == null || c.client().equalsIgnoreCase(event.client()));
    }

    private static String strip(String messageId) {
        return messageId == null ? null : messageId.replaceAll("[<>]", "");
    }
}
