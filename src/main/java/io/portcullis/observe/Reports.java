package io.portcullis.observe;

import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Inbound versus outbound (and every other flow) over a time window, from the persistent hourly
 * figures: rows per hour or day and flow, and per flow the totals, bounce and deferral rates, the
 * peak hour and the 95th percentile of hourly volume (hours without mail count as zero).
 */
public final class Reports {
    private Reports() {
    }

    /** One period of one flow. */
    public record Row(Instant period, String flow, long messages, long recipients, long bytes, Map<String, Long> rejects,
                      long delivered, long deferred, long bounced, long expired) {
    }

    /**
     * @param bounceRate   bounced and expired recipients per final outcome
     * @param deferralRate deferrals per delivery attempt outcome
     */
    public record FlowSummary(String flow, long messages, long recipients, long bytes, long rejects,
                              Map<String, Long> rejectsByReason, double bounceRate, double deferralRate, Instant peakHour,
                              long peakHourMessages, long p95HourlyMessages) {
    }

    public record Report(String by, Instant since, Instant until, List<Row> rows, List<FlowSummary> flows) {
    }

    public static Report build(Path directory, String by, Instant since, Instant until) {
        checkBy(by);
        return build(HourlyAggregates.read(directory, since, until), by, since, until);
    }

    private static void checkBy(String by) {
        if (!by.equals("hour") && !by.equals("day")) {
            throw new IllegalArgumentException("--by is hour or day");
        }
    }

    /** The report over {@code hours} (hour -> flow -> figures, from the files or the shared database). */
    public static Report build(TreeMap<Instant, Map<String, HourlyAggregates.HourFigures>> hours, String by, Instant since,
                               Instant until) {
        checkBy(by);
        TreeSet<String> flowNames = new TreeSet<>();
        hours.values().forEach(flows -> flowNames.addAll(flows.keySet()));
        TreeMap<Instant, Map<String, HourlyAggregates.HourFigures>> periods = new TreeMap<>();
        hours.forEach((hour, flows) -> {
            Instant period = by.equals("hour") ? hour : hour.truncatedTo(ChronoUnit.DAYS);
            Map<String, HourlyAggregates.HourFigures> target = periods.computeIfAbsent(period, p -> new TreeMap<>());
            flows.forEach((flow, figures) -> target.computeIfAbsent(flow, f -> new HourlyAggregates.HourFigures()).add(figures));
        });
        List<Row> rows = new ArrayList<>();
        periods.forEach((period, flows) -> flows.forEach((flow, f) -> rows.add(new Row(period, flow, f.messages,
                f.recipients, f.bytes, Map.copyOf(f.rejects), f.delivered, f.deferred, f.bounced, f.expired))));
        List<FlowSummary> summaries = new ArrayList<>();
        long hourCount = Math.max(1, ChronoUnit.HOURS.between(since.truncatedTo(ChronoUnit.HOURS), until.plusSeconds(3599)
                .truncatedTo(ChronoUnit.HOURS)));
        for (String flow : flowNames) {
            HourlyAggregates.HourFigures total = new HourlyAggregates.HourFigures();
            List<Long> hourly = new ArrayList<>();
            Instant peak = null;
            long peakMessages = -1;
            for (var entry : hours.entrySet()) {
                HourlyAggregates.HourFigures f = entry.getValue().get(flow);
                if (f == null) {
                    continue;
                }
                total.add(f);
                hourly.add(f.messages);
                if (f.messages > peakMessages) {
                    peakMessages = f.messages;
                    peak = entry.getKey();
                }
            }
            while (hourly.size() < hourCount) {
                hourly.add(0L);
            }
            hourly.sort(null);
            long p95 = hourly.get((int) Math.ceil(0.95 * hourly.size()) - 1);
            long finals = total.delivered + total.bounced + total.expired;
            long outcomes = finals + total.deferred;
            summaries.add(new FlowSummary(flow, total.messages, total.recipients, total.bytes,
                    total.rejects.values().stream().mapToLong(Long::longValue).sum(), Map.copyOf(total.rejects),
                    finals == 0 ? 0 : (total.bounced + total.expired) / (double) finals,
                    outcomes == 0 ? 0 : total.deferred / (double) outcomes, peak, Math.max(peakMessages, 0), p95));
        }
        return new Report(by, since, until, rows, summaries);
    }
}
