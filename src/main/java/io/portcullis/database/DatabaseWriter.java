package io.portcullis.database;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.portcullis.config.DatabaseConfig;
import io.portcullis.observe.HourlyAggregates;
import io.portcullis.observe.HourlyAggregates.HourFigures;
import io.portcullis.observe.TrackingEvent;
import io.portcullis.observe.TrackingSink;
import io.portcullis.quarantine.IndexListener;
import io.portcullis.quarantine.QuarantineEntry;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends this node's tracking events, report figures and quarantine index to the shared database,
 * off the hot path, on one virtual thread.
 *
 * <p>Events: {@link #write} puts each event into a bounded in-memory queue ({@code queue-capacity})
 * and returns (when the queue is full the event is dropped and counted: the writer is then stuck behind a database that
 * neither answers nor fails, which its timeouts bound). Every {@code flush-interval} the writer
 * takes what is queued and sends it in batches of {@code batch-size} (one multi-row INSERT each,
 * ON CONFLICT DO NOTHING). When an INSERT fails, that batch and everything after it go to the
 * {@link EventBuffer} on disk, and so does every new event while the buffer holds any (the order
 * stays the order of events); every {@code retry-interval} the writer tries the buffer again from
 * its front, and once it is empty, events go straight to the database again.
 *
 * <p>Report figures are upserted as absolute values per node, hour and flow; the quarantine index
 * is copied whole at start (and after a failure), then change by change, latest state per entry.
 * Both simply wait in memory while the database is down (they are small and idempotent).
 */
public final class DatabaseWriter implements TrackingSink, IndexListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DatabaseWriter.class);
    private final Database database;
    private final String node;
    private final DatabaseConfig config;
    private final Duration retention;
    private final HourlyAggregates aggregates;
    private final Supplier<List<QuarantineEntry>> quarantineEntries;
    private final Clock clock;
    private final ArrayBlockingQueue<PendingEvent> queue;
    private final EventBuffer buffer;
    private final long bootId = ThreadLocalRandom.current().nextLong();
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicLong lastQueueFullLog = new AtomicLong(System.nanoTime() - 120_000_000_000L);
    private final Counter written;
    private final Counter droppedQueueFull;
    private final Counter droppedBufferFull;
    private final Map<String, Optional<QuarantineEntry>> quarantineChanges = new ConcurrentHashMap<>();
    private final TreeMap<Instant, Map<String, HourFigures>> pendingHours = new TreeMap<>();
    private final Set<LocalDate> partitions = new HashSet<>();
    private final Thread thread;
    private volatile boolean up;
    private volatile boolean closed;
    private boolean quarantineResync = true;
    private Instant nextRetry = Instant.MIN;
    private Instant nextMaintenance = Instant.MIN;
    private Instant lastDropLog = Instant.MIN;
    private final Instant started;
    private volatile boolean nodeConflict;

    /**
     * @param reports           the local report files, sent again at start (a crash may have lost the last upsert)
     * @param quarantineEntries every entry held now (null: no quarantine index)
     */
    public DatabaseWriter(Database database, String node, DatabaseConfig config, Path bufferDirectory, Duration retention,
                          HourlyAggregates aggregates, Path reports, Supplier<List<QuarantineEntry>> quarantineEntries,
                          MeterRegistry registry, Clock clock) throws IOException {
        this.database = database;
        this.node = node;
        this.config = config;
        this.retention = retention;
        this.aggregates = aggregates;
        this.quarantineEntries = quarantineEntries;
        this.clock = clock;
        this.queue = new ArrayBlockingQueue<>(config.queueCapacity());
        this.buffer = new EventBuffer(bufferDirectory, config.bufferMaxBytes());
        if (reports != null) {
            Instant now = clock.instant();
            pendingHours.putAll(HourlyAggregates.read(reports, now.minus(Duration.ofDays(1)), now.plus(Duration.ofHours(1))));
        }
        written = Counter.builder("portcullis.database.events.written").description("tracking events the shared database took")
                .register(registry);
        droppedQueueFull = Counter.builder("portcullis.database.events.dropped")
                .description("tracking events lost to the shared database (the local log still has them)")
                .tag("reason", "queue-full").register(registry);
        droppedBufferFull = Counter.builder("portcullis.database.events.dropped")
                .description("tracking events lost to the shared database (the local log still has them)")
                .tag("reason", "buffer-full").register(registry);
        Gauge.builder("portcullis.database.buffer.bytes", this, w -> w.bufferBytes).baseUnit("bytes")
                .description("tracking events waiting on local disk for the shared database").register(registry);
        Gauge.builder("portcullis.database.up", this, w -> w.up ? 1 : 0)
                .description("1 when the last write to the shared database succeeded").register(registry);
        Gauge.builder("portcullis.database.node.conflict", this, w -> w.nodeConflict ? 1 : 0)
                .description("1 when another process writes tracking events under this node-id").register(registry);
        started = clock.instant();
        bufferBytes = buffer.bytes();
        thread = Thread.ofVirtual().name("database-writer").start(this::run);
    }

    private volatile long bufferBytes;

    @Override
    public void write(TrackingEvent event) {
        if (!queue.offer(new PendingEvent(node, new UUID(bootId, sequence.incrementAndGet()), event))) {
            droppedQueueFull.increment();
            long now = System.nanoTime();
            long last = lastQueueFullLog.get();
            if (now - last > 60_000_000_000L && lastQueueFullLog.compareAndSet(last, now)) {
                log.error("database: {} tracking events wait in memory (queue-capacity) and the writer is behind; events"
                        + " are dropped for the shared database (portcullis_database_events_dropped_total{reason=\"queue-full\"};"
                        + " the local tracking log still has them)", config.queueCapacity());
            }
        }
    }

    @Override
    public void changed(String id, QuarantineEntry entry) {
        quarantineChanges.put(id, Optional.ofNullable(entry));
    }

    /** True when the last attempt to write succeeded (for health and tests). */
    public boolean up() {
        return up;
    }

    /** Octets of events waiting on disk. */
    public long bufferBytes() {
        return bufferBytes;
    }

    private void run() {
        long pause = config.flushInterval().toNanos();
        while (true) {
            boolean last = closed;
            try {
                cycle();
            } catch (IOException | RuntimeException e) {
                log.error("database: the writer failed: {}", e.toString(), e);
            }
            if (last) {
                return;
            }
            LockSupport.parkNanos(this, pause);
        }
    }

    /** One round: queued events out (to the database or the disk buffer), then the buffer, figures and index. */
    private void cycle() throws IOException {
        List<PendingEvent> events = new ArrayList<>();
        queue.drainTo(events);
        Instant now = clock.instant();
        boolean mayTry = up || !now.isBefore(nextRetry);
        if (buffer.isEmpty() && mayTry) {
            int sent = sendDirect(events);
            if (sent < events.size()) {
                spill(events.subList(sent, events.size()));
            }
        } else {
            spill(events);
        }
        if (!buffer.isEmpty() && (up || !now.isBefore(nextRetry))) {
            flushBuffer();
        }
        if (up || !clock.instant().isBefore(nextRetry)) {
            sendFigures();
        }
        bufferBytes = buffer.bytes();
    }

    /** Sends events in batches; returns how many were taken before a failure (all, normally). */
    private int sendDirect(List<PendingEvent> events) {
        int sent = 0;
        while (sent < events.size()) {
            List<PendingEvent> batch = events.subList(sent, Math.min(events.size(), sent + config.batchSize()));
            if (!insert(batch)) {
                return sent;
            }
            sent += batch.size();
        }
        return sent;
    }

    private void spill(List<PendingEvent> events) throws IOException {
        if (events.isEmpty()) {
            return;
        }
        int dropped = buffer.append(events);
        if (dropped > 0) {
            droppedBufferFull.increment(dropped);
            Instant now = clock.instant();
            if (now.isAfter(lastDropLog.plusSeconds(60))) {
                lastDropLog = now;
                log.error("database: the disk buffer holds its cap of {} bytes; {} tracking events dropped for the shared"
                        + " database (portcullis_database_events_dropped_total; the local tracking log still has them)",
                        config.bufferMaxBytes(), dropped);
            }
        }
    }

    private void flushBuffer() throws IOException {
        while (!buffer.isEmpty()) {
            EventBuffer.Chunk chunk = buffer.read(config.batchSize());
            if (!insert(chunk.events())) {
                return;
            }
            buffer.consumed(chunk.end());
        }
        log.info("database: the disk buffer is flushed");
    }

    /** One INSERT, the day partitions it needs created first; false (and the retry timer set) on failure. */
    private boolean insert(List<PendingEvent> batch) {
        LocalDate oldestKept = oldestKept();
        List<PendingEvent> kept = batch.stream()
                .filter(e -> !TrackingTable.dayOf(e.event().time()).isBefore(oldestKept)).toList();
        try (Connection connection = database.connection()) {
            maintain(connection);
            for (PendingEvent pending : kept) {
                LocalDate day = TrackingTable.dayOf(pending.event().time());
                if (!partitions.contains(day)) {
                    TrackingTable.ensurePartition(connection, day);
                    partitions.add(day);
                }
            }
            TrackingTable.insert(connection, kept);
            written.increment(kept.size());
            succeeded();
            return true;
        } catch (SQLException e) {
            failed(e);
            return false;
        }
    }

    /** Once an hour: the partitions of today and the next two days created, those past the retention dropped. */
    private void maintain(Connection connection) throws SQLException {
        Instant now = clock.instant();
        if (now.isBefore(nextMaintenance)) {
            return;
        }
        LocalDate today = TrackingTable.dayOf(now);
        for (int ahead = 0; ahead <= 2; ahead++) {
            if (partitions.add(today.plusDays(ahead))) {
                try {
                    TrackingTable.ensurePartition(connection, today.plusDays(ahead));
                } catch (SQLException e) {
                    partitions.remove(today.plusDays(ahead));
                    throw e;
                }
            }
        }
        checkNodeName(connection, now);
        List<String> dropped = TrackingTable.dropBefore(connection, oldestKept());
        partitions.removeIf(day -> day.isBefore(oldestKept()));
        if (!dropped.isEmpty()) {
            log.info("database: dropped tracking partitions past the retention: {}", dropped);
        }
        nextMaintenance = now.plus(Duration.ofHours(1));
    }

    /**
     * Once an hour: whether events under this node's name, written since this writer started, carry
     * another process's boot id (the high half of every event id). Two live nodes with one node-id
     * (a cloned host, the host-name default) replace each other's quarantine index rows and blur
     * each other's tracking; this says so (a log line and portcullis_database_node_conflict).
     */
    private void checkNodeName(Connection connection, Instant now) throws SQLException {
        Instant since = started.isAfter(now.minus(Duration.ofHours(2))) ? started : now.minus(Duration.ofHours(2));
        boolean other = TrackingTable.otherWriter(connection, node, since, new UUID(bootId, 0).toString().substring(0, 19));
        if (other && !nodeConflict) {
            log.error("database: another process writes tracking events as node {}; give each node its own node-id"
                    + " (two nodes with one node-id replace each other's quarantine index rows)", node);
        }
        nodeConflict = other;
    }

    private LocalDate oldestKept() {
        return TrackingTable.dayOf(clock.instant()).minusDays(Math.max(1, retention.toDays()) - 1);
    }

    private void sendFigures() {
        if (aggregates != null) {
            aggregates.takeChangedHours().forEach(pendingHours::put); // absolute figures: the latest wins
        }
        Map<String, Optional<QuarantineEntry>> changes = new TreeMap<>();
        List<QuarantineEntry> all = quarantineResync && quarantineEntries != null ? quarantineEntries.get() : null;
        for (String id : new ArrayList<>(quarantineChanges.keySet())) {
            changes.put(id, quarantineChanges.remove(id));
        }
        if (pendingHours.isEmpty() && changes.isEmpty() && all == null) {
            return;
        }
        try (Connection connection = database.connection()) {
            if (!pendingHours.isEmpty()) {
                ReportTable.upsert(connection, node, pendingHours);
                pendingHours.clear();
            }
            if (all != null) {
                QuarantineTable.keepOnly(connection, node, all.stream().map(QuarantineEntry::id).toList());
                QuarantineTable.upsert(connection, node, all);
                quarantineResync = false;
            }
            List<QuarantineEntry> present = changes.values().stream().flatMap(Optional::stream).toList();
            List<String> gone = changes.entrySet().stream().filter(e -> e.getValue().isEmpty()).map(Map.Entry::getKey).toList();
            QuarantineTable.upsert(connection, node, present);
            if (!gone.isEmpty()) {
                QuarantineTable.delete(connection, node, gone);
            }
            succeeded();
        } catch (SQLException e) {
            changes.forEach(quarantineChanges::putIfAbsent); // a newer change made meanwhile wins
            failed(e);
        }
    }

    private void succeeded() {
        if (!up) {
            log.info("database: writing to {} as node {}", config.url(), node);
        }
        up = true;
    }

    private void failed(SQLException e) {
        if (up || nextRetry == Instant.MIN) {
            String message = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
            log.warn("database: cannot write ({}); tracking events wait in {} (retried every {} ms)", message,
                    buffer.file(), config.retryInterval().toMillis());
        }
        up = false;
        partitions.clear(); // the server may have come back without them
        nextMaintenance = Instant.MIN;
        nextRetry = clock.instant().plus(config.retryInterval());
    }

    /** Sends what is queued (to the database or the disk buffer), then stops the writer. */
    @Override
    public void close() throws IOException {
        closed = true;
        LockSupport.unpark(thread);
        try {
            thread.join(java.time.Duration.ofSeconds(15));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        buffer.close();
    }
}
