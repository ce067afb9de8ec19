package io.portcullis.observe;

import com.fasterxml.jackson.core.type.TypeReference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The persistent figures behind {@code portcullis report}: per UTC hour and flow, messages,
 * recipients, bytes, rejects by reason and delivery outcomes. Kept in memory and written to
 * {@code reports/YYYY-MM-DD.json} (whole file, temporary name, rename) every few seconds and at
 * shutdown, so reports survive restarts without parsing any log. A crash loses at most the last
 * few seconds of counts; the spool, not the reports, carries the durability promise.
 */
public final class HourlyAggregates implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HourlyAggregates.class);
    private static final TypeReference<TreeMap<String, Map<String, HourFigures>>> DAY_FILE = new TypeReference<>() {
    };

    /** The figures of one flow in one hour; a mutable tally while the hour is current. */
    public static final class HourFigures {
        public long messages;
        public long recipients;
        public long bytes;
        public long delivered;
        public long deferred;
        public long bounced;
        public long expired;
        public Map<String, Long> rejects = new TreeMap<>();

        synchronized void add(HourFigures other) {
            messages += other.messages;
            recipients += other.recipients;
            bytes += other.bytes;
            delivered += other.delivered;
            deferred += other.deferred;
            bounced += other.bounced;
            expired += other.expired;
            other.rejects.forEach((reason, count) -> rejects.merge(reason, count, Long::sum));
        }
    }

    private final Path directory;
    /** hour (ISO, e.g. 2026-11-28T10:00:00Z) -> flow -> figures, for the days touched since start */
    private final ConcurrentHashMap<String, ConcurrentHashMap<String, HourFigures>> hours = new ConcurrentHashMap<>();
    private final Set<LocalDate> dirty = ConcurrentHashMap.newKeySet();
    /** Hours changed since {@link #takeChangedHours} last ran (for the shared database). */
    private final Set<String> changedHours = ConcurrentHashMap.newKeySet();
    private final Thread writer;
    private volatile boolean closed;

    public HourlyAggregates(Path directory) throws IOException {
        this.directory = io.portcullis.spool.PrivateFiles.createDirectories(directory);
        this.writer = Thread.ofPlatform().name("report-writer").daemon().start(this::writeLoop);
    }

    void record(Instant when, String flow, java.util.function.Consumer<HourFigures> change) {
        Instant hour = when.truncatedTo(ChronoUnit.HOURS);
        LocalDate day = LocalDate.ofInstant(hour, ZoneOffset.UTC);
        HourFigures figures = hours.computeIfAbsent(hour.toString(), h -> {
            ConcurrentHashMap<String, HourFigures> loaded = new ConcurrentHashMap<>();
            // Continue from what an earlier run already wrote for this hour.
            loadDay(directory, day).getOrDefault(h, Map.of()).forEach((f, old) -> loaded.put(f, old));
            return loaded;
        }).computeIfAbsent(flow, f -> new HourFigures());
        synchronized (figures) {
            change.accept(figures);
        }
        dirty.add(day);
        changedHours.add(hour.toString());
    }

    /** A copy of the figures of every hour that changed since the last call: hour -> flow -> figures. */
    public TreeMap<Instant, Map<String, HourFigures>> takeChangedHours() {
        TreeMap<Instant, Map<String, HourFigures>> changed = new TreeMap<>();
        for (String hour : new ArrayList<>(changedHours)) {
            changedHours.remove(hour);
            TreeMap<String, HourFigures> copy = new TreeMap<>();
            hours.getOrDefault(hour, new ConcurrentHashMap<>()).forEach((flow, figures) -> {
                synchronized (figures) {
                    HourFigures snapshot = new HourFigures();
                    snapshot.add(figures);
                    copy.put(flow, snapshot);
                }
            });
            changed.put(Instant.parse(hour), copy);
        }
        return changed;
    }

    private void writeLoop() {
        while (!closed) {
            try {
                Thread.sleep(2000);
            } catch (InterruptedException e) {
                return;
            }
            flush();
        }
    }

    /** Writes every day that changed. */
    public synchronized void flush() {
        for (LocalDate day : new ArrayList<>(dirty)) {
            dirty.remove(day);
            TreeMap<String, Map<String, HourFigures>> file = loadDay(directory, day);
            hours.forEach((hour, flows) -> {
                if (LocalDate.ofInstant(Instant.parse(hour), ZoneOffset.UTC).equals(day)) {
                    TreeMap<String, HourFigures> copy = new TreeMap<>();
                    flows.forEach((flow, figures) -> {
                        synchronized (figures) {
                            HourFigures snapshot = new HourFigures();
                            snapshot.add(figures);
                            copy.put(flow, snapshot);
                        }
                    });
                    file.put(hour, copy);
                }
            });
            try {
                Path target = directory.resolve(day + ".json");
                io.portcullis.spool.PrivateFiles.replace(target, TrackingLog.JSON.writeValueAsBytes(file));
            } catch (IOException e) {
                log.error("reports: cannot write {}: {}", day, e.toString());
                dirty.add(day);
            }
        }
    }

    static TreeMap<String, Map<String, HourFigures>> loadDay(Path directory, LocalDate day) {
        Path file = directory.resolve(day + ".json");
        if (!Files.exists(file)) {
            return new TreeMap<>();
        }
        try {
            return TrackingLog.JSON.readValue(file.toFile(), DAY_FILE);
        } catch (IOException e) {
            log.error("reports: cannot read {}: {}", file, e.toString());
            return new TreeMap<>();
        }
    }

    /** hour -> flow -> figures for the hours in [since, until), from the files. */
    public static TreeMap<Instant, Map<String, HourFigures>> read(Path directory, Instant since, Instant until) {
        TreeMap<Instant, Map<String, HourFigures>> result = new TreeMap<>();
        Set<LocalDate> days = new HashSet<>();
        for (LocalDate d = LocalDate.ofInstant(since, ZoneOffset.UTC); !d.isAfter(LocalDate.ofInstant(until, ZoneOffset.UTC));
             d = d.plusDays(1)) {
            days.add(d);
        }
        for (LocalDate day : days) {
            loadDay(directory, day).forEach((hour, flows) -> {
                Instant start = Instant.parse(hour);
                if (!start.isBefore(since.truncatedTo(ChronoUnit.HOURS)) && start.isBefore(until)) {
                    result.put(start, flows);
                }
            });
        }
        return result;
    }

    @Override
    public void close() {
        closed = true;
        writer.interrupt();
        flush();
    }
}
