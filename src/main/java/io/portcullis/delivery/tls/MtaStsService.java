package io.portcullis.delivery.tls;

import io.portcullis.config.GatewayConfig;
import io.portcullis.config.MtaStsConfig;
import io.portcullis.spool.Spool;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MTA-STS and TLS reporting as one running part of the gateway: the policy cache, the report
 * counts, and a timer that flushes the counts every {@value #FLUSH_SECONDS} s and sends the reports
 * of finished days (checked every hour, so a day's reports leave within the first hour of the
 * next UTC day, or at the first start after it). Built once per gateway; a reload keeps it.
 */
public final class MtaStsService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MtaStsService.class);
    static final int FLUSH_SECONDS = 30;

    private final MtaStsConfig config;
    private final SSLContext trust;
    private final MtaStsPolicies policies;
    private final TlsReports reports;
    private final TlsReportSender sender;
    private final boolean send;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "tls-reports");
        thread.setDaemon(true);
        return thread;
    });

    /**
     * @param internal why an address must not be reached ("loopback", ...; empty when it may be):
     *                 the policy and report servers are named by the recipient domain, as its MX
     *                 hosts are, and are held to the mx connectors' rule
     */
    public MtaStsService(GatewayConfig gateway, Path dataDirectory, Spool spool, Clock clock,
                         Function<InetAddress, Optional<String>> internal) throws IOException {
        this.config = gateway.mtaSts();
        this.trust = trustContext(config.trust());
        PolicyDns dns = new PolicyDns(gateway.delivery().resolver());
        PolicyHttps https = new PolicyHttps(dns, trust, config.fetchTimeout(), internal);
        this.reports = new TlsReports(dataDirectory.resolve("tls-reports"), gateway.tlsReports().maxDomains(), clock);
        this.policies = new MtaStsPolicies(dns, https, reports, dataDirectory.resolve("mta-sts"), config.maxCachedPolicies(), clock);
        this.sender = new TlsReportSender(gateway.tlsReports(), gateway.hostname(), dns, https, spool, clock);
        this.send = gateway.tlsReports().send();
    }

    /** Starts the flush and daily-send timer. */
    public void start() {
        timer.scheduleWithFixedDelay(this::flushQuietly, FLUSH_SECONDS, FLUSH_SECONDS, TimeUnit.SECONDS);
        if (send) {
            timer.scheduleWithFixedDelay(() -> sendDue(false), 1, Duration.ofHours(1).toSeconds(), TimeUnit.SECONDS);
        }
    }

    /** Is MTA-STS applied to MX delivery? */
    public boolean enabled() {
        return config.enabled();
    }

    public MtaStsPolicies policies() {
        return policies;
    }

    public TlsReports reports() {
        return reports;
    }

    /**
     * The trust for MX hosts of a policy domain and for policy servers (RFC 8461 §4.2: the Web
     * PKI, or the configured CA file).
     */
    public SSLContext trust() {
        return trust;
    }

    /**
     * Sends the reports due now: finished days, and with {@code includeToday} today's counts so far
     * (an administrator's or a test's "send now"). Returns what happened, a line per address.
     */
    public synchronized List<String> sendDue(boolean includeToday) {
        List<String> outcomes = new ArrayList<>();
        try {
            for (TlsReports.Period period : reports.takeDue(includeToday)) {
                outcomes.addAll(sender.send(period));
            }
        } catch (RuntimeException e) {
            log.error("tls-reports: sending failed", e);
            outcomes.add("failed: " + e);
        }
        return outcomes;
    }

    private void flushQuietly() {
        try {
            reports.flush();
        } catch (RuntimeException e) {
            log.warn("tls-reports: flush failed: {}", e.toString());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        flushQuietly();
    }

    /** The JDK's trust store, or only the CA certificates in {@code caFile}. */
    static SSLContext trustContext(Path caFile) throws IOException {
        try {
            KeyStore store = null;
            if (caFile != null) {
                store = KeyStore.getInstance(KeyStore.getDefaultType());
                store.load(null, null);
                try (var in = Files.newInputStream(caFile)) {
                    int i = 0;
                    for (var certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                        store.setCertificateEntry("ca" + i++, certificate);
                    }
                }
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException("mta-sts.trust: " + e.getMessage(), e);
        }
    }
}
