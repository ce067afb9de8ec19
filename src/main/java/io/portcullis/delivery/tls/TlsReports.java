package io.portcullis.delivery.tls;

import com.fasterxml.jackson.core.type.TypeReference;
import io.portcullis.spool.Json;
import io.portcullis.spool.PrivateFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The counts behind the daily TLS reports (RFC 8460 §4): per UTC day, per policy domain, per
 * policy, the successful and failed sessions and the failures by their details. Recording is a
 * few map updates under one lock; the counts reach the data directory ({@code DATA/tls-reports/
 * DAY.json}, through {@link PrivateFiles#replace}) at each {@link #flush()}, which the gateway
 * calls every half minute and at shutdown, so a crash loses at most that much counting, never a
 * report already due.
 *
 * <p>Bounded against a flood of destinations: at most {@code maxDomains} policy domains a day
 * (sessions to more are not counted), {@value #MAX_DETAILS} distinct failure details a policy
 * (further failures count in the summary only), {@value #MAX_DAYS} days kept.
 */
public final class TlsReports {
    private static final Logger log = LoggerFactory.getLogger(TlsReports.class);
    static final int MAX_DETAILS = 100;
    static final int MAX_DAYS = 7;
    static final int MAX_TEXT = 256;

    /** One failure-details entry (RFC 8460 §4.4) and how many sessions met it. */
    public record Detail(String resultType, String receivingMxHostname, String receivingIp, String additionalInformation,
                         long count) {
    }

    /** One policy's counts within a day and domain. */
    public record PolicyCounts(String policyType, List<String> policyStrings, List<String> mxHosts, long successful,
                               long failed, List<Detail> details) {
    }

    /**
     * The counts of one report period: from {@code start} (the day's midnight, or the moment the
     * previous report for that day was sent) until the day ends or a report is sent.
     */
    public record Period(LocalDate day, Instant start, Map<String, List<PolicyCounts>> domains) {
    }

    private final Path directory;
    private final int maxDomains;
    private final Clock clock;
    /** day -> domain -> policy -> counts; guarded by {@code this}. */
    private final TreeMap<LocalDate, Day> days = new TreeMap<>();
    private boolean droppedLogged;

    private static final class Day {
        Instant start;
        boolean dirty;
        final Map<String, Map<TlsReportResult.Policy, Counts>> domains = new LinkedHashMap<>();

        Day(Instant start) {
            this.start = start;
        }
    }

    private static final class Counts {
        long successful;
        long failed;
        final Map<TlsReportResult.Failure, Long> details = new LinkedHashMap<>();
    }

    public TlsReports(Path directory, int maxDomains, Clock clock) throws IOException {
        this.directory = PrivateFiles.createDirectories(directory);
        this.maxDomains = maxDomains;
        this.clock = clock;
        load();
    }

    /** Counts one session's (or policy lookup's) outcome for {@code policyDomain}'s report. */
    public void record(String policyDomain, TlsReportResult.Policy policy, TlsReportResult.Outcome outcome) {
        String domain = policyDomain.toLowerCase(Locale.ROOT);
        Instant now = clock.instant();
        LocalDate today = now.atOffset(ZoneOffset.UTC).toLocalDate();
        synchronized (this) {
            Day day = days.computeIfAbsent(today, d -> new Day(d.atStartOfDay().toInstant(ZoneOffset.UTC)));
            Map<TlsReportResult.Policy, Counts> policies = day.domains.get(domain);
            if (policies == null) {
                if (day.domains.size() >= maxDomains) {
                    if (!droppedLogged) {
                        log.warn("tls-reports: more than {} policy domains today; sessions to further ones are not counted", maxDomains);
                        droppedLogged = true;
                    }
                    return;
                }
                policies = new LinkedHashMap<>();
                day.domains.put(domain, policies);
            }
            Counts counts = policies.computeIfAbsent(policy, p -> new Counts());
            switch (outcome) {
                case TlsReportResult.Success success -> counts.successful++;
                case TlsReportResult.Failure failure -> {
                    counts.failed++;
                    TlsReportResult.Failure key = new TlsReportResult.Failure(failure.type(), cut(failure.receivingMxHostname()),
                            cut(failure.receivingIp()), cut(failure.additionalInformation()));
                    if (counts.details.containsKey(key) || counts.details.size() < MAX_DETAILS) {
                        counts.details.merge(key, 1L, Long::sum);
                    }
                }
            }
            day.dirty = true;
            while (days.size() > MAX_DAYS) {
                LocalDate oldest = days.firstKey();
                days.remove(oldest);
                deleteQuietly(oldest);
            }
        }
    }

    /** Convenience for a failure: see {@link #record(String, TlsReportResult.Policy, TlsReportResult.Outcome)}. */
    public void record(String policyDomain, TlsReportResult.PolicyType policyType, TlsReportResult.ResultType result,
                       TlsReportResult.Failure details) {
        record(policyDomain, new TlsReportResult.Policy(policyType, List.of(), List.of()),
                new TlsReportResult.Failure(result, details.receivingMxHostname(), details.receivingIp(),
                        details.additionalInformation()));
    }

    private static String cut(String text) {
        return text == null || text.length() <= MAX_TEXT ? text : text.substring(0, MAX_TEXT);
    }

    /** Writes the days counted since the last flush. */
    public void flush() {
        List<Period> dirty = new ArrayList<>();
        synchronized (this) {
            days.forEach((date, day) -> {
                if (day.dirty) {
                    dirty.add(snapshot(date, day));
                    day.dirty = false;
                }
            });
        }
        for (Period period : dirty) {
            try {
                PrivateFiles.replace(file(period.day()), Json.MAPPER.writeValueAsBytes(period));
            } catch (IOException e) {
                log.warn("tls-reports: cannot write {}: {}", file(period.day()), e.toString());
            }
        }
    }

    /**
     * Takes the periods due for a report out of the counts: every day before today, and today too
     * when {@code includeToday} (an administrator's "send now"; today's counting then starts
     * again from this moment). The caller reports them; their files are removed here.
     */
    public List<Period> takeDue(boolean includeToday) {
        Instant now = clock.instant();
        LocalDate today = now.atOffset(ZoneOffset.UTC).toLocalDate();
        List<Period> due = new ArrayList<>();
        synchronized (this) {
            for (var iterator = days.entrySet().iterator(); iterator.hasNext(); ) {
                var entry = iterator.next();
                boolean isToday = entry.getKey().equals(today);
                if (isToday && !includeToday) {
                    continue;
                }
                due.add(snapshot(entry.getKey(), entry.getValue()));
                iterator.remove();
                deleteQuietly(entry.getKey());
                if (isToday) {
                    Day fresh = new Day(now);
                    fresh.dirty = true;
                    days.put(today, fresh);
                    break;
                }
            }
        }
        return due;
    }

    private static Period snapshot(LocalDate date, Day day) {
        Map<String, List<PolicyCounts>> domains = new LinkedHashMap<>();
        day.domains.forEach((domain, policies) -> {
            List<PolicyCounts> list = new ArrayList<>();
            policies.forEach((policy, counts) -> {
                List<Detail> details = new ArrayList<>();
                counts.details.forEach((failure, count) -> details.add(new Detail(failure.type().text(),
                        failure.receivingMxHostname(), failure.receivingIp(), failure.additionalInformation(), count)));
                list.add(new PolicyCounts(policy.type().text(), policy.policyStrings(), policy.mxHosts(), counts.successful,
                        counts.failed, details));
            });
            domains.put(domain, list);
        });
        return new Period(date, day.start, domains);
    }

    private Path file(LocalDate day) {
        return directory.resolve(day + ".json");
    }

    private void deleteQuietly(LocalDate day) {
        try {
            Files.deleteIfExists(file(day));
        } catch (IOException e) {
            log.warn("tls-reports: cannot remove {}: {}", file(day), e.toString());
        }
    }

    /** Reads the counts a previous run flushed; a damaged file is set aside, not trusted. */
    private void load() throws IOException {
        List<Path> files;
        try (Stream<Path> listing = Files.list(directory)) {
            files = listing.filter(p -> p.getFileName().toString().matches("\\d{4}-\\d{2}-\\d{2}\\.json")).sorted().toList();
        }
        for (Path path : files) {
            try {
                if (Files.size(path) > 64L * 1024 * 1024) {
                    throw new IOException("larger than 64 MB");
                }
                Period period = Json.MAPPER.readValue(path.toFile(), new TypeReference<Period>() {
                });
                Day day = new Day(period.start());
                period.domains().forEach((domain, policies) -> {
                    Map<TlsReportResult.Policy, Counts> counted = new LinkedHashMap<>();
                    for (PolicyCounts policy : policies) {
                        Counts counts = new Counts();
                        counts.successful = policy.successful();
                        counts.failed = policy.failed();
                        for (Detail detail : policy.details()) {
                            counts.details.put(new TlsReportResult.Failure(TlsReportResult.ResultType.of(detail.resultType()),
                                    detail.receivingMxHostname(), detail.receivingIp(), detail.additionalInformation()),
                                    detail.count());
                        }
                        counted.put(new TlsReportResult.Policy(TlsReportResult.PolicyType.of(policy.policyType()),
                                policy.policyStrings(), policy.mxHosts()), counts);
                    }
                    day.domains.put(domain, counted);
                });
                synchronized (this) {
                    days.put(period.day(), day);
                }
            } catch (IOException | RuntimeException e) {
                log.warn("tls-reports: {} cannot be read ({}); set aside as {}.damaged", path, e.toString(), path.getFileName());
                Files.move(path, path.resolveSibling(path.getFileName() + ".damaged"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }
}
