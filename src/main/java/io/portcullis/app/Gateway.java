package io.portcullis.app;

import io.portcullis.admin.AdminServer;
import io.portcullis.auth.AuthThrottle;
import io.portcullis.auth.LdapDirectory;
import io.portcullis.auth.UserStore;
import io.portcullis.config.Directory;
import io.portcullis.config.GatewayConfig;
import io.portcullis.config.LdapConfig;
import io.portcullis.config.ListenerConfig;
import io.portcullis.config.ListenerPolicy;
import io.portcullis.config.TlsConfig;
import io.portcullis.delivery.Connector;
import io.portcullis.delivery.Connectors;
import io.portcullis.delivery.DeliveryScheduler;
import io.portcullis.delivery.QueueService;
import io.portcullis.listener.Listener;
import io.portcullis.listener.TlsContexts;
import io.portcullis.observe.HourlyAggregates;
import io.portcullis.observe.Telemetry;
import io.portcullis.observe.TrackingLog;
import io.portcullis.policy.KnownRecipients;
import io.portcullis.policy.RateLimits;
import io.portcullis.policy.RecipientCheck;
import io.portcullis.policy.SenderCheck;
import io.portcullis.session.SessionContext;
import io.portcullis.spool.Spool;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running gateway: the data directory (locked, so two processes never share a spool), the
 * recovered spool, the delivery scheduler working it, and one started {@link Listener} per
 * configured listener. Start-up order is spool, delivery, listeners; close is the reverse.
 */
public final class Gateway implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Gateway.class);

    private final GatewayConfig config;
    private final Path dataDirectory;
    private final DataDirectoryLock lock;
    private final Spool spool;
    private final List<Listener> listeners = new ArrayList<>();
    private DeliveryScheduler scheduler;
    private ControlServer control;
    private LdapDirectory ldap;
    private Telemetry telemetry;
    private AdminServer admin;

    private Gateway(GatewayConfig config, Path dataDirectory, DataDirectoryLock lock, Spool spool) {
        this.config = config;
        this.dataDirectory = dataDirectory;
        this.lock = lock;
        this.spool = spool;
    }

    /** Locks the data directory, recovers the spool, then opens every listener (or none). */
    public static Gateway start(GatewayConfig config, Path dataDirectory) throws IOException {
        DataDirectoryLock lock = DataDirectoryLock.tryLock(dataDirectory);
        if (lock == null) {
            throw new IOException("data directory " + dataDirectory.toAbsolutePath()
                    + " is in use by another Portcullis process");
        }
        Gateway gateway = null;
        try {
            Spool spool = new Spool(dataDirectory.resolve("spool"), config.spool().minFreeSpace());
            Spool.Recovery recovery = spool.recover();
            log.info("spool recovered: {} queued, {} incomplete removed, {} moved to corrupt/",
                    recovery.queued(), recovery.removedIncomplete(), recovery.movedToCorrupt());
            gateway = new Gateway(config, dataDirectory, lock, spool);
            Gateway started = gateway;
            gateway.telemetry = new Telemetry(new TrackingLog(dataDirectory.resolve("tracking"), config.trackingRetention()),
                    new HourlyAggregates(dataDirectory.resolve("reports")));
            spool.onCommit(gateway.telemetry::received);
            Map<String, Connector> connectors = Connectors.create(config, dataDirectory, started::boundAddresses);
            gateway.scheduler = new DeliveryScheduler(spool, config.routes(), config.delivery(), connectors,
                    config.hostname(), gateway.telemetry);
            for (String flow : config.flows()) {
                gateway.telemetry.gauge("portcullis.queue.messages", "messages in the queue", List.of("flow", flow),
                        gateway.scheduler, s -> s.queued(flow));
                gateway.telemetry.gauge("portcullis.queue.oldest.age.seconds", "age of the oldest queued message",
                        List.of("flow", flow), gateway.scheduler, s -> s.oldestAgeSeconds(flow));
            }
            gateway.scheduler.start();
            gateway.control = new ControlServer(dataDirectory, new QueueCommands(new QueueService(gateway.scheduler)));
            gateway.control.start();
            Directory directory = config.directory();
            gateway.ldap = directory.ldap() == null ? null : ldap(directory.ldap());
            UserStore users = new UserStore(directory.inlineUsers(), dataDirectory.resolve(directory.usersFile()), gateway.ldap);
            AuthThrottle throttle = AuthThrottle.defaults();
            KnownRecipients known = new KnownRecipients(directory.recipients(), directory.recipientsFile(), gateway.ldap);
            for (ListenerConfig listenerConfig : config.listeners()) {
                SSLContext tls = gateway.tlsContext(listenerConfig);
                ListenerPolicy policy = listenerConfig.policy();
                Listener listener = new Listener(new SessionContext(listenerConfig, config.routes(), spool, tls,
                        new SenderCheck(policy, config.routes(), directory.protectedSenders()),
                        new RecipientCheck(policy, config.routes(), known), new RateLimits(policy.rateLimits()), users,
                        throttle, gateway.telemetry));
                listener.start();
                gateway.listeners.add(listener);
            }
            if (config.admin().bind() != null) {
                gateway.startAdmin();
            }
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

    private void startAdmin() throws IOException {
        String token = config.admin().token() != null ? config.admin().token() : AdminToken.loadOrCreate(dataDirectory);
        admin = new AdminServer(config.admin().bind(), token, telemetry, new QueueService(scheduler), this::health,
                dataDirectory.resolve("reports"));
        admin.start();
    }

    /** Ready when every listener is up, the spool is writable and its disk has headroom. */
    public AdminServer.Health health() {
        Map<String, Boolean> up = new java.util.LinkedHashMap<>();
        listeners.forEach(l -> up.put(l.name(), l.isUp()));
        boolean writable = java.nio.file.Files.isWritable(dataDirectory.resolve("spool/queue"));
        boolean headroom = spool.hasFreeSpace();
        return new AdminServer.Health(!up.containsValue(false) && writable && headroom, up, writable, headroom);
    }

    /** The admin server's address, or null when it is off. */
    public InetSocketAddress adminAddress() {
        return admin == null ? null : admin.address();
    }

    private static LdapDirectory ldap(LdapConfig config) throws IOException {
        try {
            return new LdapDirectory(config);
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("cannot set up TLS for LDAP: " + e.getMessage(), e);
        }
    }

    private SSLContext tlsContext(ListenerConfig listener) throws IOException {
        TlsConfig tls = listener.tls();
        if (tls == null) {
            return null;
        }
        if (tls.selfSigned()) {
            Path directory = dataDirectory.resolve("tls");
            TlsContexts.ensureSelfSigned(directory, config.hostname());
            return TlsContexts.serverContext(directory.resolve("certificate.pem"), directory.resolve("key.pem"));
        }
        return TlsContexts.serverContext(tls.certificate(), tls.key());
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

    public Spool spool() {
        return spool;
    }

    public GatewayConfig config() {
        return config;
    }

    @Override
    public void close() {
        if (admin != null) {
            admin.close();
        }
        listeners.forEach(Listener::close);
        if (scheduler != null) {
            scheduler.close();
        }
        if (ldap != null) {
            ldap.close();
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
