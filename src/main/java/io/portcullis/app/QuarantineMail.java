package io.portcullis.app;

import io.portcullis.config.QuarantineConfig;
import io.portcullis.quarantine.DigestSchedule;
import io.portcullis.quarantine.Quarantine;
import io.portcullis.quarantine.QuarantineDigests;
import io.portcullis.quarantine.ReleaseLinks;
import io.portcullis.spool.Spool;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The quarantine's mail to recipients: the release links (one signing key and used-link record
 * per process, shared by the digests and the admin server's link page) and the digests, sent at
 * {@code quarantine.digest.at} and then every interval when a base URL is configured.
 */
final class QuarantineMail implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Gateway.class);
    private final Quarantine quarantine;
    private final Spool spool;
    private final QuarantineConfig settings;
    private final String hostname;
    private final Path dataDirectory;
    private final Clock clock;
    private final java.util.function.Predicate<String> ourDomain;
    private ReleaseLinks releaseLinks;
    private QuarantineDigests digests;
    private ScheduledExecutorService schedule;

    /** @param ourDomain is a domain the organisation's own (digests go only there unless {@code digest.domains} says) */
    QuarantineMail(Quarantine quarantine, Spool spool, QuarantineConfig settings, String hostname, Path dataDirectory,
                   Clock clock, java.util.function.Predicate<String> ourDomain) {
        this.ourDomain = ourDomain;
        this.quarantine = quarantine;
        this.spool = spool;
        this.settings = settings;
        this.hostname = hostname;
        this.dataDirectory = dataDirectory;
        this.clock = clock;
    }

    synchronized ReleaseLinks releaseLinks() throws IOException {
        if (releaseLinks == null) {
            releaseLinks = new ReleaseLinks(dataDirectory, clock);
        }
        return releaseLinks;
    }

    /** Queues a digest for every recipient with mail held since their last one (also at the digest times). */
    List<String> sendDigests() throws IOException {
        return digests().sendAll();
    }

    private synchronized QuarantineDigests digests() throws IOException {
        if (digests == null) {
            digests = new QuarantineDigests(quarantine, releaseLinks(), spool, settings, hostname, dataDirectory, ourDomain);
        }
        return digests;
    }

    /**
     * Digests at {@code quarantine.digest.at} (in its zone), then every interval, when a base URL
     * is configured. The clock is read every second (a test moves it); a digest time that passed
     * while the gateway was down is caught up at start (from the last run's time).
     */
    synchronized void start() throws IOException {
        if (settings.digestBaseUrl() == null) {
            return;
        }
        DigestSchedule times = new DigestSchedule(settings.digestAt(), settings.digestZone(), settings.digestInterval());
        Instant last = digests().state().lastRun();
        AtomicReference<Instant> due = new AtomicReference<>(times.next(last != null ? last : clock.instant()));
        log.info("quarantine: next digests at {}", due.get());
        schedule = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("quarantine-digests").factory());
        schedule.scheduleWithFixedDelay(() -> {
            try {
                Instant now = clock.instant();
                if (!now.isBefore(due.get())) {
                    due.set(times.next(now));
                    log.info("quarantine: {} digests queued; next at {}", sendDigests().size(), due.get());
                }
            } catch (IOException | RuntimeException e) { // a scheduled task that throws is never run again
                log.error("quarantine: sending digests failed: {}", e.toString());
            }
        }, 1, 1, TimeUnit.SECONDS);
    }

    @Override
    public synchronized void close() {
        if (schedule != null) {
            schedule.shutdownNow();
        }
    }
}
