package io.portcullis.observe;

import io.portcullis.spool.Json;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The message tracking log: {@code tracking/tracking-YYYY-MM-DD.jsonl} (UTC days), one JSON object
 * per line. A new file starts at midnight UTC; files older than the retention are deleted when a
 * new one starts. Lines are appended in order under a lock into a buffer that is flushed every
 * 200 ms and at close (never fsync'd: the spool, not this log, carries the durability promise).
 */
public final class TrackingLog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TrackingLog.class);
    static final ObjectMapper JSON = Json.MAPPER;

    private final Path directory;
    private final Duration retention;
    private LocalDate day;
    private OutputStream out;

    private final Thread flusher;
    private volatile boolean closed;

    public TrackingLog(Path directory, Duration retention) throws IOException {
        this.directory = io.portcullis.spool.PrivateFiles.createDirectories(directory);
        this.retention = retention;
        this.flusher = Thread.ofPlatform().name("tracking-flush").daemon().start(() -> {
            while (!closed) {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
                flush();
            }
        });
    }

    /** Writes out buffered lines; readers of the files see events at most 200 ms late. */
    public synchronized void flush() {
        try {
            if (out != null) {
                out.flush();
            }
        } catch (IOException e) {
            log.error("tracking: cannot write to {}: {}", directory, e.toString());
        }
    }

    public synchronized void write(TrackingEvent event) {
        try {
            LocalDate today = LocalDate.ofInstant(event.time(), ZoneOffset.UTC);
            if (!today.equals(day)) {
                rotate(today);
            }
            out.write(event.toJson().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            out.write('\n');
        } catch (IOException e) {
            log.error("tracking: cannot write to {}: {}", directory, e.toString());
        }
    }

    private void rotate(LocalDate today) throws IOException {
        if (out != null) {
            out.close();
        }
        day = today;
        out = new java.io.BufferedOutputStream(java.nio.channels.Channels.newOutputStream(
                io.portcullis.spool.PrivateFiles.openAppend(file(directory, today))), 64 * 1024);
        LocalDate oldestKept = today.minusDays(Math.max(1, retention.toDays()) - 1);
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.toList()) {
                LocalDate fileDay = dayOf(file);
                if (fileDay != null && fileDay.isBefore(oldestKept)) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    static Path file(Path directory, LocalDate day) {
        return directory.resolve("tracking-" + day + ".jsonl");
    }

    private static LocalDate dayOf(Path file) {
        String name = file.getFileName().toString();
        if (!name.startsWith("tracking-") || !name.endsWith(".jsonl")) {
            return null;
        }
        try {
            return LocalDate.parse(name.substring(9, name.length() - 6));
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Every event in the log files of the days from {@code since} to {@code until}, that matches. */
    public static List<TrackingEvent> read(Path directory, LocalDate since, LocalDate until, Predicate<TrackingEvent> filter)
            throws IOException {
        List<TrackingEvent> events = new ArrayList<>();
        if (!Files.isDirectory(directory)) {
            return events;
        }
        List<Path> files;
        try (Stream<Path> list = Files.list(directory)) {
            files = list.filter(f -> {
                LocalDate d = dayOf(f);
                return d != null && !d.isBefore(since) && !d.isAfter(until);
            }).sorted().toList();
        }
        for (Path file : files) {
            try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    if (line.isBlank()) {
                        continue;
                    }
                    try {
                        TrackingEvent event = JSON.readValue(line, TrackingEvent.class);
                        if (filter.test(event)) {
                            events.add(event);
                        }
                    } catch (IOException e) {
                        // a line cut short by a crash: skip it
                    }
                }
            }
        }
        return events;
    }

    @Override
    public synchronized void close() throws IOException {
        closed = true;
        flusher.interrupt();
        if (out != null) {
            out.close();
        }
    }
}
