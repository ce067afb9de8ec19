package io.portcullis.app;

import io.portcullis.admin.AdminServer;
import io.portcullis.auth.AuthThrottle;
import io.portcullis.config.ConfigDiff;
import io.portcullis.config.ConfigException;
import io.portcullis.config.ConfigLoader;
import io.portcullis.config.GatewayConfig;
import io.portcullis.config.ListenerConfig;
import io.portcullis.delivery.Connector;
import io.portcullis.delivery.Connectors;
import io.portcullis.delivery.DeliveryScheduler;
import io.portcullis.delivery.QueueService;
import io.portcullis.delivery.tls.MtaStsService;
import io.portcullis.listener.Listener;
import io.portcullis.observe.HourlyAggregates;
import io.portcullis.observe.Telemetry;
import io.portcullis.observe.TrackingLog;
import io.portcullis.session.SessionContext;
import io.portcullis.quarantine.AuditLog;
import io.portcullis.quarantine.Quarantine;
import io.portcullis.spool.Spool;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running gateway: the data directory (locked, so two processes never share a spool), the
 * recovered spool, the delivery scheduler working it, and one started {@link Listener} per
 * configured listener. Start-up order is spool, delivery, listeners; close is the reverse.
 */
public final class Gateway implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Gateway.class);

    private volatile GatewayConfig config;
    private final Path dataDirectory;
    private final DataDirectoryLock lock;
    private final Spool spool;
    private final List<Listener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private AuthThrottle throttle;
    /** The stores of shared-state: (Redis or local), kept across reloads. */
    private io.portcullis.redis.SharedStores sharedStores;
    private SessionContexts sessionContexts;
    private java.time.Clock clock;
    private DeliveryScheduler scheduler;
    private ControlServer control;
    private QueueCommands queueCommands;
    private Telemetry telemetry;
    private AdminServer admin;
    private Quarantine quarantine;
    private QuarantineMail quarantineMail;
    private java.util.concurrent.ScheduledExecutorService certificateChecks;
    private MtaStsService mtaSts;
    /** Set by {@code portcullis drain}: listeners paused (health says not ready) until undrain. */
    private volatile boolean draining;
    /** The shared PostgreSQL store ({@code database:}), or null. */
    private SharedDatabase shared;
    /** Set once start() has opened every listener: before that, health says not ready. */
    private volatile boolean started;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private Gateway(GatewayConfig config, Path dataDirectory, DataDirectoryLock lock, Spool spool) {
        this.config = config;
        this.dataDirectory = dataDirectory;
        this.lock = lock;
        this.spool = spool;
    }

    /** Locks the data directory, recovers the spool, then opens every listener (or none). */
    public static Gateway start(GatewayConfig config, Path dataDirectory) throws IOException {
        return start(config, dataDirectory, java.time.Clock.systemUTC());
    }

    /** As {@link #start(GatewayConfig, Path)}, with the clock the policy checks read (tests move it). */
    public static Gateway start(GatewayConfig config, Path dataDirectory, java.time.Clock clock) throws IOException {
        DataDirectoryLock lock = DataDirectoryLock.tryLock(dataDirectory);
        if (lock == null) {
            throw new IOException("data directory " + dataDirectory.toAbsolutePath()
                    + " is in use by another Portcullis process");
        }
        Gateway gateway = null;
        try {
            LogSetup.apply(config.logging());
            DataDirectoryPermissions.tighten(dataDirectory);
            Spool spool = new Spool(dataDirectory.resolve("spool"), config.spool().minFreeSpace(), config.nodeId());
            Spool.Recovery recovery = spool.recover();
            log.info("spool recovered: {} queued ({} written out again from the spool log), {} incomplete removed,"
                    + " {} moved to corrupt/", recovery.queued(), recovery.restoredFromLog(), recovery.removedIncomplete(),
                    recovery.movedToCorrupt());
            gateway = new Gateway(config, dataDirectory, lock, spool);
            gateway.clock = clock;
            Gateway started = gateway;
            HourlyAggregates aggregates = new HourlyAggregates(dataDirectory.resolve("reports"));
            gateway.telemetry = new Telemetry(new TrackingLog(dataDirectory.resolve("tracking"), config.trackingRetention()),
                    aggregates, config.nodeId());
            spool.onCommit(gateway.telemetry::received);
            gateway.quarantine = new Quarantine(dataDirectory.resolve("spool/quarantine"), spool, config.quarantine(),
                    gateway.telemetry, new AuditLog(dataDirectory.resolve("audit.log")), io.portcullis.spool.DiskSync.SYSTEM, clock);
            gateway.quarantine.trustAuthenticationResults(started::authservIds);
            log.info("quarantine recovered: {} held", gateway.quarantine.recover());
            spool.holdIn(gateway.quarantine); // held messages commit into the quarantine from now on
            gateway.quarantine.start();
            gateway.shared = SharedDatabase.start(config, dataDirectory, gateway.telemetry, aggregates, gateway.quarantine);
            gateway.quarantineMail = new QuarantineMail(gateway.quarantine, spool, config.quarantine(), config.hostname(),
                    dataDirectory, clock, domain -> started.config.routes().isLocal(domain));
            gateway.quarantineMail.start();
                        gateway.mtaSts = new MtaStsService(config, dataDirectory, spool, java.time.Clock.systemUTC(),
                    Connectors.internalAddressRule(config));
            gateway.mtaSts.start();
            Map<String, Connector> connectors = Connectors.create(config, dataDirectory, started::boundAddresses, gateway.telemetry,
                    gateway.mtaSts);
            gateway.scheduler = new DeliveryScheduler(spool, config.routes(), config.delivery(), connectors,
                    config.hostname(), gateway.telemetry);
            gateway.telemetry.bindProcessMetrics();
            gateway.telemetry.gauge("portcullis.spool.free.bytes", "free bytes on the disk holding the spool",
                    List.of(), spool, Spool::usableBytes);
            gateway.telemetry.gauge("portcullis.spool.min.free.bytes", "spool.min-free-space: below it MAIL gets 452",
                    List.of(), spool, Spool::minFreeBytes);
            MetricDeclarations.declare(gateway.telemetry, config, gateway.scheduler);
            gateway.scheduler.start();
            gateway.queueCommands = new QueueCommands(new QueueService(gateway.scheduler), gateway.quarantine.audit());
            gateway.control = new ControlServer(dataDirectory, new ControlCommands(gateway, gateway.queueCommands)::execute);
            gateway.control.start();
            gateway.sharedStores = io.portcullis.redis.SharedStores.open(config.sharedState(), gateway.telemetry);
            gateway.throttle = gateway.sharedStores.authThrottle(config.directory().authThrottle());
            gateway.sessionContexts = SessionContexts.build(config, dataDirectory, spool, gateway.telemetry, gateway.throttle,
                    clock, gateway.sharedStores);
            for (ListenerConfig listenerConfig : config.listeners()) {
                Listener listener = new Listener(gateway.sessionContexts.contexts().get(listenerConfig.name()));
                listener.start();
                gateway.listeners.add(listener);
            }
            if (config.admin().bind() != null) {
                gateway.startAdmin();
            }
            gateway.startCertificateChecks();
            gateway.started = true;
            log.info("ready: {} listeners up", gateway.listeners.size());
            return gateway;
        } catch (IOException | RuntimeException e) {
            if (gateway != null) {
                gateway.close();
            } else {
                lock.close();
            }
            throw e;
        }
    }

    /** The authserv-ids of the authentication checks in {@code listener}'s content chain (as configured now). */
    private java.util.Set<String> authservIds(String listener) {
        GatewayConfig current = config;
        return current.listeners().stream().filter(l -> l.name().equals(listener))
                .flatMap(l -> l.content().steps().stream()).map(step -> current.checks().get(step.check()))
                .filter(check -> check instanceof io.portcullis.config.CheckConfig.Authentication)
                .map(check -> ((io.portcullis.config.CheckConfig.Authentication) check).authservId())
                .collect(java.util.stream.Collectors.toSet());
    }

    private void startAdmin() throws IOException {
        String token = config.admin().token() != null ? config.admin().token() : AdminToken.loadOrCreate(dataDirectory);
        admin = new AdminServer(config.admin(), token, telemetry, new QueueService(scheduler), this::health,
                dataDirectory.resolve("reports"), dataDirectory.resolve("tracking"),
                () -> config.mtaSts().served() == null ? null : config.mtaSts().served().text());
        admin.serveQuarantine(quarantine, quarantineMail.releaseLinks(), config.quarantine().linkValidity());
        admin.serveCluster(new io.portcullis.admin.ClusterView(() -> config.cluster(), token, telemetry::summary, this::health,
                io.portcullis.spool.Json.MAPPER));
        if (shared != null) {
            admin.readAcrossNodes(shared.reads());
        }
        admin.auditQueueActions(quarantine.audit());
        admin.start();
    }

    /**
     * Every second, each listener's TLS context whose {@code tls.reload-interval} has passed reads
     * its certificate and key files again and serves a renewed pair to new handshakes
     * (listener/CertificateWatch); the expiry gauge follows. Runs under the gateway's lock, so it
     * never overlaps a reload (which builds new contexts from the same files).
     */
    private void startCertificateChecks() {
        certificateChecks = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("certificate-checks").factory());
        certificateChecks.scheduleWithFixedDelay(this::checkCertificates, 1, 1, java.util.concurrent.TimeUnit.SECONDS);
    }

    private synchronized void checkCertificates() {
        try {
            java.time.Instant now = java.time.Instant.now();
            boolean reloaded = false;
            for (io.portcullis.listener.ServerTlsContext tls : sessionContexts.tlsContexts().values()) {
                reloaded |= tls.checkFilesIfDue(now) == io.portcullis.listener.CertificateWatch.Outcome.RELOADED;
            }
            if (reloaded) {
                java.util.Map<String, java.time.Instant> expiries = new java.util.LinkedHashMap<>();
                sessionContexts.tlsContexts().forEach((listener, tls) -> expiries.put(listener, tls.notAfter()));
                telemetry.certificateExpiries(expiries);
            }
        } catch (RuntimeException e) { // a scheduled task that throws is never run again
            log.error("checking the TLS certificate files failed: {}", e.toString(), e);
        }
    }

    /** Ready when every listener is up (not drained), the spool is writable and its disk has headroom. */
    public AdminServer.Health health() {
        Map<String, Boolean> up = new java.util.LinkedHashMap<>();
        listeners.forEach(l -> up.put(l.name(), l.isUp()));
        boolean writable = java.nio.file.Files.isWritable(dataDirectory.resolve("spool/queue"));
        boolean headroom = spool.hasFreeSpace();
        return new AdminServer.Health(started && !draining && !up.containsValue(false) && writable && headroom, up, writable,
                headroom, draining, config.nodeId());
    }

    /**
     * {@code portcullis drain}: every listener stops accepting (new connections are refused, so a
     * load balancer moves them to another node at once; health says draining, so its checks take
     * this node out), sessions in progress finish, and every queued message that is not held is
     * due now. Delivery goes on; {@link #drainStatus()} tells when the queue is empty. Lasts until
     * {@link #undrain()} or a restart.
     */
    public synchronized Map<String, Object> drain() throws IOException {
        listeners.forEach(Listener::pause);
        draining = true; // after the pause: whoever sees draining finds the listeners closed
        int due = new QueueService(scheduler).flush(null).size();
        log.info("drain: listeners stopped accepting; {} queued messages due now", due);
        return drainStatus();
    }

    /**
     * Accepts again on every listener (the addresses they had), or on none: when one cannot bind
     * (another program took its port meanwhile), those already resumed are paused again and the node
     * stays drained as a whole, as its health says.
     */
    public synchronized Map<String, Object> undrain() throws IOException {
        List<Listener> resumed = new java.util.ArrayList<>();
        for (Listener listener : listeners) {
            try {
                boolean paused = listener.isPaused();
                listener.resume();
                if (paused) {
                    resumed.add(listener);
                }
            } catch (IOException e) {
                resumed.forEach(Listener::pause);
                throw e;
            }
        }
        draining = false;
        log.info("undrain: listeners accept again");
        return drainStatus();
    }

    /** Draining or not, messages still queued (held ones apart: a drain does not deliver them), held, sessions open. */
    public Map<String, Object> drainStatus() {
        List<QueueService.Entry> queued = new QueueService(scheduler).list(entry -> true);
        long held = queued.stream().filter(QueueService.Entry::held).count();
        Map<String, Object> status = new java.util.LinkedHashMap<>();
        status.put("node", config.nodeId());
        status.put("draining", draining);
        status.put("queued", queued.size() - held);
        status.put("held", held);
        status.put("sessions", listeners.stream().mapToInt(Listener::activeConnections).sum());
        return status;
    }

    public boolean isDraining() {
        return draining;
    }

    /** {@code portcullis status}: version, configuration, listeners, spool, queue by flow and state, connectors. */
    public Map<String, Object> status() {
        return GatewayStatus.of(this);
    }

    /** The admin server's address, or null when it is off. */
    public InetSocketAddress adminAddress() {
        return admin == null ? null : admin.address();
    }

    /** The configuration at {@code path}, or, when null, the source the gateway runs (file or embedded default). */
    GatewayConfig candidate(String path) throws ConfigException {
        if (path != null) {
            return ConfigLoader.load(Path.of(path));
        }
        return config.source().equals(ConfigLoader.EMBEDDED_DEFAULT) ? ConfigLoader.embeddedDefault()
                : ConfigLoader.load(Path.of(config.source()));
    }

    /** SIGHUP: reload from the running source; errors are logged and the old configuration stays. */
    public void reloadFromSource() {
        try {
            reload(candidate(null));
        } catch (ConfigException e) {
            log.error("reload: configuration rejected, the old one stays:\n  {}", String.join("\n  ", e.errors()));
        } catch (IOException | RuntimeException e) {
            log.error("reload: the new configuration could not be applied, the old one stays: {}", e.getMessage());
        }
    }

    /**
     * Applies a valid configuration to the running gateway and returns what changed. Everything new
     * is built first; if any of it fails (a certificate that does not load, an address that cannot
     * be bound) nothing switches and the old configuration stays. Sessions in progress keep the
     * policy they started with; new connections get the new one; removed listeners stop accepting
     * and let their sessions finish.
     */
    public synchronized List<String> reload(GatewayConfig next) throws IOException {
        List<String> changes = ConfigDiff.between(config, next);
        // the counters outlive a reload, unless the throttle's settings changed
        AuthThrottle nextThrottle = next.directory().authThrottle().equals(config.directory().authThrottle()) ? throttle
                : sharedStores.authThrottle(next.directory().authThrottle());
        SessionContexts built = SessionContexts.build(next, dataDirectory, spool, telemetry, nextThrottle, clock, sharedStores);
        Map<String, Listener> current = new java.util.LinkedHashMap<>();
        listeners.forEach(l -> current.put(l.name(), l));
        List<Listener> started = new ArrayList<>();
        List<Listener> retired = new ArrayList<>();
        try {
            for (ListenerConfig listenerConfig : next.listeners()) {
                Listener existing = current.get(listenerConfig.name());
                if (existing == null || !existing.config().bind().equals(listenerConfig.bind())) {
                    Listener fresh = new Listener(built.contexts().get(listenerConfig.name()));
                    fresh.start();
                    started.add(fresh);
                    if (existing != null) {
                        retired.add(existing);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            started.forEach(Listener::close);
            built.close();
            throw e;
        }
        Map<String, io.portcullis.delivery.Connector> connectors = Connectors.create(next, dataDirectory, this::boundAddresses, telemetry,
                mtaSts);
        for (Listener listener : current.values()) {
            SessionContext context = built.contexts().get(listener.name());
            if (context == null) {
                retired.add(listener);
            } else if (!retired.contains(listener)) {
                listener.update(context);
            }
        }
        listeners.addAll(started);
        listeners.removeAll(retired);
        if (draining) {
            started.forEach(Listener::pause); // a drained node stays drained across a reload
        }
        retired.forEach(Listener::stopAccepting);
        scheduler.reconfigure(next.routes(), next.delivery(), connectors);
        MetricDeclarations.declare(telemetry, next, scheduler);
        SessionContexts previous = sessionContexts;
        sessionContexts = built;
        throttle = nextThrottle;
        config = next;
        previous.close();
        LogSetup.apply(next.logging());
        log.info("configuration reloaded from {}: {}", next.source(), changes.isEmpty() ? "no changes" : changes);
        return changes;
    }

    public List<Listener> listeners() {
        return List.copyOf(listeners);
    }

    public Listener listener(String name) {
        return listeners.stream().filter(l -> l.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no listener named " + name));
    }

    /** Every address a listener is bound to; delivery uses it to recognise a next hop that is us. */
    public List<InetSocketAddress> boundAddresses() {
        return listeners.stream().flatMap(listener -> listener.boundAddresses().stream()).toList();
    }

    public Telemetry telemetry() {
        return telemetry;
    }

    public DeliveryScheduler scheduler() {
        return scheduler;
    }

    /** MTA-STS policies and TLS report counts. */
    public MtaStsService mtaSts() {
        return mtaSts;
    }

    public Quarantine quarantine() {
        return quarantine;
    }

    /** Queues a quarantine digest for every recipient with mail held since their last one (also at the digest times). */
    public List<String> sendQuarantineDigests() throws IOException {
        return quarantineMail.sendDigests();
    }

    public Spool spool() {
        return spool;
    }

    public GatewayConfig config() {
        return config;
    }

    /** Graceful stop: see {@link GracefulStop}; the gateway is closed when it returns. */
    public void shutdown() {
        GracefulStop.run(this, config.shutdownTimeout());
    }

    /** Closes everything at once (a second call does nothing). */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        started = false;
        if (certificateChecks != null) {
            certificateChecks.shutdownNow();
        }
        if (admin != null) {
            admin.close();
        }
        listeners.forEach(Listener::close);
        if (scheduler != null) {
            scheduler.close();
        }
        if (mtaSts != null) {
            mtaSts.close();
        }
        if (sessionContexts != null) {
            sessionContexts.close();
        }
        if (sharedStores != null) {
            sharedStores.close();
        }
        if (quarantineMail != null) {
            quarantineMail.close();
        }
        if (quarantine != null) {
            quarantine.close();
        }
        spool.close();
        if (shared != null) {
            try {
                shared.close();
            } catch (IOException e) {
                log.warn("closing the shared database: {}", e.toString());
            }
        }
        if (telemetry != null) {
            try {
                telemetry.close();
            } catch (Exception e) {
                log.debug("closing telemetry: {}", e.toString());
            }
        }
        try {
            if (control != null) {
                control.close();
            }
            lock.close();
        } catch (IOException e) {
            log.debug("closing the control socket and lock: {}", e.toString());
        }
    }
}
