package io.portcullis.quarantine;

import io.portcullis.config.QuarantineConfig;
import io.portcullis.observe.Telemetry;
import io.portcullis.spool.DiskSync;
import io.portcullis.spool.Envelope;
import io.portcullis.spool.HoldingArea;
import io.portcullis.spool.IncomingMessage;
import io.portcullis.spool.PrivateFiles;
import io.portcullis.spool.QueueId;
import io.portcullis.spool.Spool;
import io.portcullis.spool.StoredMessage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The quarantine store: held messages, apart from the delivery queue, in {@code spool/quarantine/}
 * (beside {@code spool/incoming/}, so a held message enters by a rename on the same file system).
 *
 * <h2>Durability protocol</h2>
 * An entry is there when, and only when, its record {@code ID.msg} is (content, then the envelope
 * trailer, exactly as in the queue); its state journal {@code ID.q} says why it was held and what
 * became of each recipient (one {@link QuarantineRecord} a line).
 * <ol>
 *   <li><b>Hold</b> ({@link #hold}, the spool's {@link HoldingArea}, on the session's thread): the
 *       record is already written and forced in {@code incoming/}. The journal's HELD line is
 *       written and forced, the record renamed into {@code quarantine/}, and the directory forced;
 *       only then may the session answer {@code 250}. A crash before the rename leaves the record
 *       in {@code incoming/}, which the spool's recovery removes, and a journal alone, which ours
 *       removes; one after it but before the directory fsync may leave the record without its
 *       journal's name: recovery keeps it, held for the reason its envelope names.</li>
 *   <li><b>Release</b>: the held recipients' copy is committed to the spool under a new queue id
 *       (the spool's own protocol; delivery picks it up), then a RELEASED line is forced. A crash
 *       between the two releases it again at the next request: at least once, never lost.</li>
 *   <li><b>Delete</b> (an administrator, or the sweeper when the retention for the entry's
 *       category has passed): the record and the journal are unlinked, record first, and the
 *       directory forced once for a whole bulk action before it is answered and audited. An entry
 *       whose recipients are all released is removed the same way; recovery removes one it finds
 *       (a crash before the unlink). (A DELETED line is read as that recipient deleted: kept for per-recipient self-service.)</li>
 * </ol>
 * Every force and rename goes through {@link DiskSync}; files are {@code 0600} in a {@code 0700}
 * folder ({@link PrivateFiles}). The index in memory is rebuilt from the journals at start-up.
 */
public final class Quarantine implements HoldingArea {
    private static final Logger log = LoggerFactory.getLogger(Quarantine.class);
    static final String RECORD_SUFFIX = ".msg";
    static final String JOURNAL_SUFFIX = ".q";

    private final Path directory;
    private final Spool spool;
    private final QuarantineConfig config;
    private final Telemetry telemetry;
    private final DiskSync disk;
    private final Clock clock;
    private final AuditLog audit;
    private final Map<String, QuarantineEntry> entries = new ConcurrentHashMap<>();
    private final java.util.Set<String> meteredCategories = ConcurrentHashMap.newKeySet();
    private final SenderAllowList allowList;
    private volatile java.util.function.Function<String, java.util.Set<String>> authservIds = listener -> java.util.Set.of();
    private java.util.concurrent.ScheduledExecutorService sweeper;
    private volatile IndexListener indexListener = (id, entry) -> { };

    /**
     * One action's outcome: how many entries it touched, the queue ids of released copies, and
     * (release-and-allow-sender) how many sender/recipient pairs were added to allow lists.
     */
    public record Outcome(int entries, int recipients, List<String> queued, int allowed) {
        public Outcome(int entries, int recipients, List<String> queued) {
            this(entries, recipients, queued, 0);
        }
    }

    public Quarantine(Path directory, Spool spool, QuarantineConfig config, Telemetry telemetry, AuditLog audit,
                      DiskSync disk, Clock clock) throws IOException {
        this.directory = PrivateFiles.createDirectories(directory);
        this.spool = spool;
        this.config = config;
        this.telemetry = telemetry;
        this.audit = audit;
        this.disk = disk;
        this.clock = clock;
        // DATA/quarantine-allowed-senders, beside DATA/audit.log (the store is DATA/spool/quarantine)
        this.allowList = new SenderAllowList(this.directory.toAbsolutePath().getParent().getParent()
                .resolve("quarantine-allowed-senders"), config.allowSenders().maxPerRecipient(),
                config.allowSenders().maxEntries(), disk);
    }

    /** The recipients' sender allow lists (release-and-allow-sender). */
    public SenderAllowList allowList() {
        return allowList;
    }

    /**
     * The authserv-ids whose Authentication-Results a listener's content chain writes (and strips
     * from clients): what {@code allow-senders.require-authentication} believes. None by default.
     */
    public void trustAuthenticationResults(java.util.function.Function<String, java.util.Set<String>> byListener) {
        this.authservIds = byListener;
    }

    public Quarantine(Path directory, Spool spool, QuarantineConfig config, Telemetry telemetry, AuditLog audit)
            throws IOException {
        this(directory, spool, config, telemetry, audit, DiskSync.SYSTEM, Clock.systemUTC());
    }

    /** Starts the sweeper: every {@code sweep-interval}, expired entries are deleted. */
    public synchronized void start() {
        long every = config.sweepInterval().toMillis();
        sweeper = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("quarantine-sweeper").factory());
        sweeper.scheduleWithFixedDelay(() -> {
            try {
                sweep();
            } catch (IOException | RuntimeException e) { // a scheduled task that throws is never run again
                log.error("quarantine: the sweep failed: {}", e.toString());
            }
        }, Math.min(every, 60_000), every, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    public synchronized void close() {
        if (sweeper != null) {
            sweeper.shutdownNow();
        }
    }

    /** From now on, every change to the index is told to {@code listener} (the shared database's copy). */
    public void mirrorIndexTo(IndexListener listener) {
        this.indexListener = listener;
    }

    /** Every entry held now, in no order (for a copy to start from). */
    public List<QuarantineEntry> entries() {
        return List.copyOf(entries.values());
    }

    public AuditLog audit() {
        return audit;
    }

    /** Rebuilds the index; run once at start-up, before the spool is told to hold messages here. Returns the entries found. */
    public int recover() throws IOException {
        entries.clear();
        List<Path> records = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                if (name.endsWith(JOURNAL_SUFFIX) && !Files.exists(sibling(file, RECORD_SUFFIX))) {
                    Files.deleteIfExists(file); // a hold that never committed, or a removal half done
                } else if (name.endsWith(RECORD_SUFFIX)) {
                    records.add(file);
                } else if (name.startsWith(".") && name.endsWith(".tmp")) {
                    Files.deleteIfExists(file);
                }
            }
        }
        for (Path record : records) {
            String id = record.getFileName().toString();
            id = id.substring(0, id.length() - RECORD_SUFFIX.length());
            try {
                QuarantineEntry entry = read(id, record);
                if (entry.held().isEmpty()) {
                    removeFiles(id);
                } else {
                    index(entry);
                }
            } catch (IOException e) {
                log.error("quarantine: entry {} cannot be read ({}); left in place", record, e.getMessage());
            }
        }
        disk.forceDirectory(directory);
        return entries.size();
    }

    @Override
    public void hold(String id, Path record, Envelope envelope) throws IOException {
        StoredMessage message = StoredMessage.ofRecord(record);
        HeldFacts facts = HeldFacts.read(message);
        QuarantineRecord held = new QuarantineRecord(QuarantineRecord.Type.HELD, envelope.arrival(), "content-check",
                envelope.recipients().stream().map(Envelope.Recipient::address).toList(), envelope.quarantine(),
                facts.score(), facts.subject(), null);
        Path journal = directory.resolve(id + JOURNAL_SUFFIX);
        QuarantineJournal.append(disk, journal, List.of(held));
        try {
            disk.rename(record, directory.resolve(id + RECORD_SUFFIX));
            disk.forceDirectory(directory);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(journal); // not held: the session answers 451 (a record renamed meanwhile is recovered as held)
            throw e;
        }
        index(QuarantineEntry.of(id, envelope, List.of(held), config::retentionOf));
        telemetry.received(envelope); // as a queued message is, by the spool's commit listener
        releaseAllowed(id, envelope);
    }

    /**
     * Held for an allow-listed category (spam): the recipients whose allow list has the sender
     * (authenticated, unless configured otherwise) get their copy at once, released as an
     * administrator would (journal, tracking), by {@code allow-list}; the others stay held. A
     * failure here leaves the message held: the hold is already durable and answered for.
     */
    private void releaseAllowed(String id, Envelope envelope) {
        QuarantineConfig.AllowSenders rules = config.allowSenders();
        String sender = envelope.sender();
        // several steps' reasons are joined by " | " (content/ContentChain): every one must be skippable
        if (sender == null || sender.isEmpty() || !java.util.Arrays.stream(envelope.quarantine().split(" \\| "))
                .allMatch(reason -> rules.categories().contains(QuarantineEntry.category(reason)))) {
            return;
        }
        List<String> allowed = envelope.recipients().stream().map(Envelope.Recipient::address)
                .filter(r -> allowList.allows(r, sender)).toList();
        if (allowed.isEmpty()) {
            return;
        }
        try {
            if (rules.requireAuthentication()) {
                List<String[]> fields;
                try (InputStream in = message(id).open()) {
                    fields = HeldFacts.fields(in.readNBytes(HeldFacts.HEADER_LIMIT));
                }
                if (!SenderAuthentication.passes(fields, authservIds.apply(envelope.listener()), sender)) {
                    log.info("quarantine: {} from allowed sender <{}> kept held: the sender's domain did not pass"
                            + " SPF, DKIM or DMARC here", id, sender);
                    return;
                }
            }
            synchronized (this) {
                releaseOne(id, allowed, "allow-list");
            }
        } catch (IOException | RuntimeException e) {
            log.error("quarantine: releasing {} to allowed recipients {} failed ({}); kept held", id, allowed, e.toString());
        }
    }

    /**
     * Releases the entry's held recipients among {@code recipients} (all held ones when empty)
     * and adds its sender to each released recipient's allow list (see {@link SenderAllowList});
     * one audit line. A full allow list does not stop the release; the outcome counts what was added.
     */
    public synchronized Outcome releaseAndAllow(String id, List<String> recipients, String actor) throws IOException {
        Outcome outcome = releaseAndAllowOne(id, recipients, actor);
        audit.record(actor, "release-allow-sender", id, outcome.recipients(), "allowed " + outcome.allowed()
                + (recipients.isEmpty() ? "" : "; recipients " + String.join(",", recipients)));
        return outcome;
    }

    /** {@link #releaseAndAllow} for every entry {@code filter} matches; one audit line. */
    public synchronized Outcome releaseAllAndAllow(QuarantineFilter filter, String actor) throws IOException {
        int released = 0;
        int recipients = 0;
        int allowed = 0;
        List<String> queued = new ArrayList<>();
        for (QuarantineEntry entry : matching(filter)) {
            Outcome one = releaseAndAllowOne(entry.id(), List.of(), actor);
            released += one.entries();
            recipients += one.recipients();
            allowed += one.allowed();
            queued.addAll(one.queued());
        }
        audit.record(actor, "release-allow-sender-bulk", filter.toString(), released, recipients + " recipients, allowed "
                + allowed);
        return new Outcome(released, recipients, queued, allowed);
    }

    private Outcome releaseAndAllowOne(String id, List<String> recipients, String actor) throws IOException {
        QuarantineEntry entry = entry(id);
        List<String> chosen = entry.held().stream()
                .filter(r -> recipients.isEmpty() || recipients.stream().anyMatch(r::equalsIgnoreCase)).toList();
        Outcome released = releaseOne(id, chosen.isEmpty() ? recipients : chosen, actor);
        int allowed = 0;
        if (!entry.sender().isEmpty()) {
            for (String recipient : chosen) {
                try {
                    allowed += allowList.add(recipient, entry.sender(), actor, clock.instant()) ? 1 : 0;
                } catch (SenderAllowList.Full e) {
                    log.warn("quarantine: <{}> not allowed for <{}>: {}", entry.sender(), recipient, e.getMessage());
                }
            }
        }
        return new Outcome(released.entries(), released.recipients(), released.queued(), allowed);
    }

    /** Entries matching {@code filter}, newest first, {@code offset} skipped, at most {@code limit}. */
    public List<QuarantineEntry> list(QuarantineFilter filter, int offset, int limit) {
        return matching(filter).stream().skip(Math.max(0, offset)).limit(Math.max(0, limit)).toList();
    }

    /** How many entries match. */
    public int count(QuarantineFilter filter) {
        return (int) entries.values().stream().filter(filter::matches).count();
    }

    public QuarantineEntry entry(String id) throws NoSuchFileException {
        QuarantineEntry entry = QueueId.isValid(id) ? entries.get(id) : null;
        if (entry == null) {
            throw new NoSuchFileException("not in the quarantine: " + id);
        }
        return entry;
    }

    /** The held message as received: exactly the octets a release would queue. */
    public StoredMessage message(String id) throws IOException {
        entry(id);
        return StoredMessage.ofRecord(directory.resolve(id + RECORD_SUFFIX));
    }

    /** The entry's journal: HELD first, then what became of its recipients. */
    public List<QuarantineRecord> journal(String id) throws IOException {
        entry(id);
        return QuarantineJournal.read(directory.resolve(id + JOURNAL_SUFFIX));
    }

    /**
     * Releases the entry's held recipients among {@code recipients} (all held ones when empty): a
     * copy is queued for them in the spool and delivered like any other message. The chain ran
     * every step at receipt (a quarantine does not end it), so the copy skips only the hold.
     */
    public synchronized Outcome release(String id, List<String> recipients, String actor) throws IOException {
        Outcome outcome = releaseOne(id, recipients, actor);
        audit.record(actor, "release", id, outcome.recipients(),
                recipients.isEmpty() ? null : "recipients " + String.join(",", recipients));
        return outcome;
    }

    /** Releases every entry {@code filter} matches; one audit line with the filter and the count. */
    public synchronized Outcome releaseAll(QuarantineFilter filter, String actor) throws IOException {
        int released = 0;
        int recipients = 0;
        List<String> queued = new ArrayList<>();
        for (QuarantineEntry entry : matching(filter)) {
            Outcome one = releaseOne(entry.id(), List.of(), actor);
            released += one.entries();
            recipients += one.recipients();
            queued.addAll(one.queued());
        }
        audit.record(actor, "release-bulk", filter.toString(), released, recipients + " recipients");
        return new Outcome(released, recipients, queued);
    }

    public synchronized Outcome delete(String id, String actor) throws IOException {
        entry(id);
        deleteOne(id, actor, "deleted");
        disk.forceDirectory(directory);
        audit.record(actor, "delete", id, 1, null);
        return new Outcome(1, 0, List.of());
    }

    /** Deletes every entry {@code filter} matches; one audit line with the filter and the count. */
    public synchronized Outcome deleteAll(QuarantineFilter filter, String actor) throws IOException {
        int deleted = 0;
        for (QuarantineEntry entry : matching(filter)) {
            deleteOne(entry.id(), actor, "deleted");
            deleted++;
        }
        disk.forceDirectory(directory); // one force makes every unlink above durable
        audit.record(actor, "delete-bulk", filter.toString(), deleted, null);
        return new Outcome(deleted, 0, List.of());
    }

    /** Deletes the entries whose category's retention has passed; returns how many. */
    public synchronized int sweep() throws IOException {
        Instant now = clock.instant();
        int expired = 0;
        for (QuarantineEntry entry : List.copyOf(entries.values())) {
            if (!entry.expires().isAfter(now)) {
                deleteOne(entry.id(), "sweeper", "expired");
                expired++;
            }
        }
        if (expired > 0) {
            disk.forceDirectory(directory);
            audit.record("sweeper", "expire", "retention", expired, null);
            log.info("quarantine: {} expired entries deleted", expired);
        }
        return expired;
    }

    /** Messages held per category, for the gauges. */
    public long count(String category) {
        return entries.values().stream().filter(e -> e.category().equals(category)).count();
    }

    /** Octets held per category, for the gauges. */
    public long bytes(String category) {
        return entries.values().stream().filter(e -> e.category().equals(category)).mapToLong(QuarantineEntry::size).sum();
    }

    private Outcome releaseOne(String id, List<String> recipients, String actor) throws IOException {
        QuarantineEntry entry = entry(id);
        List<String> chosen = entry.held().stream()
                .filter(r -> recipients.isEmpty() || recipients.stream().anyMatch(r::equalsIgnoreCase)).toList();
        if (chosen.isEmpty()) {
            return new Outcome(0, 0, List.of());
        }
        Path record = directory.resolve(id + RECORD_SUFFIX);
        Envelope held = StoredMessage.envelopeOf(record);
        String queueId;
        try (IncomingMessage copy = spool.create(); InputStream content = StoredMessage.ofRecord(record).open()) {
            content.transferTo(copy.content());
            queueId = copy.id();
            List<Envelope.Recipient> released = held.recipients().stream()
                    .filter(r -> chosen.stream().anyMatch(r.address()::equalsIgnoreCase)).toList();
            copy.commit(new Envelope(held.version(), queueId, held.listener(), held.flow(), held.arrival(), held.client(),
                    held.sender(), held.declaredSize(), held.body(), held.smtpUtf8(), held.dsnReturn(),
                    held.dsnEnvelopeId(), released, copy.size(), held.messageId(), null));
        }
        QuarantineRecord line = new QuarantineRecord(QuarantineRecord.Type.RELEASED, clock.instant(), actor, chosen,
                null, null, null, queueId);
        QuarantineJournal.append(disk, directory.resolve(id + JOURNAL_SUFFIX), List.of(line));
        telemetry.administered("RELEASE", held.withRecipients(held.recipients().stream()
                .filter(r -> chosen.contains(r.address())).toList()), "released from the quarantine as " + queueId);
        QuarantineEntry updated = entry.withStates(chosen, QuarantineEntry.RELEASED);
        if (updated.held().isEmpty()) {
            entries.remove(id);
            indexListener.changed(id, null);
            removeFiles(id); // not forced: should the unlink be lost, recovery finds every recipient released and removes it
        } else {
            entries.put(id, updated);
            indexListener.changed(id, updated);
        }
        log.info("quarantine: released {} to {} as {} ({})", id, chosen, queueId, actor);
        return new Outcome(1, chosen.size(), List.of(queueId));
    }

    /** Unlinks the entry (record first); the caller forces the directory once for all it deleted. */
    private void deleteOne(String id, String actor, String why) throws IOException {
        QuarantineEntry entry = entries.get(id);
        if (entry == null) {
            return;
        }
        entries.remove(id);
        indexListener.changed(id, null);
        removeFiles(id);
        telemetry.administered("DELETE", envelopeOf(entry), why + " from the quarantine by " + actor);
    }

    private static Envelope envelopeOf(QuarantineEntry entry) {
        return new Envelope(Envelope.CURRENT_VERSION, entry.id(), entry.listener(), entry.flow(), entry.arrival(), null,
                entry.sender(), null, null, false, null, null, entry.held().stream()
                .map(r -> new Envelope.Recipient(r, List.of(), null)).toList(), entry.size(), entry.messageId(), entry.reason());
    }

    private List<QuarantineEntry> matching(QuarantineFilter filter) {
        return entries.values().stream().filter(filter::matches)
                .sorted(Comparator.comparing(QuarantineEntry::arrival).reversed().thenComparing(QuarantineEntry::id))
                .toList();
    }

    private void index(QuarantineEntry entry) {
        entries.put(entry.id(), entry);
        indexListener.changed(entry.id(), entry);
        String category = entry.category();
        if (telemetry != null && meteredCategories.add(category)) {
            telemetry.gauge("portcullis.quarantine.messages", "messages in the quarantine", List.of("reason", category),
                    this, q -> q.count(category));
            telemetry.gauge("portcullis.quarantine.bytes", "octets in the quarantine", List.of("reason", category),
                    this, q -> q.bytes(category));
        }
    }

    private QuarantineEntry read(String id, Path record) throws IOException {
        Envelope envelope = StoredMessage.envelopeOf(record);
        List<QuarantineRecord> journal = QuarantineJournal.read(directory.resolve(id + JOURNAL_SUFFIX));
        if (journal.isEmpty() || journal.getFirst().type() != QuarantineRecord.Type.HELD) {
            // the journal's name was lost with the directory fsync the crash prevented: held as the envelope says
            HeldFacts facts = HeldFacts.read(StoredMessage.ofRecord(record));
            QuarantineRecord held = new QuarantineRecord(QuarantineRecord.Type.HELD, envelope.arrival(), "content-check",
                    envelope.recipients().stream().map(Envelope.Recipient::address).toList(), envelope.quarantine(),
                    facts.score(), facts.subject(), null);
            QuarantineJournal.append(disk, directory.resolve(id + JOURNAL_SUFFIX), List.of(held));
            journal = List.of(held);
        }
        return QuarantineEntry.of(id, envelope, journal, config::retentionOf);
    }

    private void removeFiles(String id) throws IOException {
        Files.deleteIfExists(directory.resolve(id + RECORD_SUFFIX)); // the record first: it is the entry
        Files.deleteIfExists(directory.resolve(id + JOURNAL_SUFFIX));
    }

    private static Path sibling(Path file, String suffix) {
        String name = file.getFileName().toString();
        return file.resolveSibling(name.substring(0, name.lastIndexOf('.')) + suffix);
    }
}
