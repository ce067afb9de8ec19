package io.portcullis.delivery;

import com.google.common.net.InetAddresses;
import io.portcullis.smtp.Replies;
import io.portcullis.config.ConnectorConfig;
import io.portcullis.smtp.Reply;
import io.portcullis.spool.Envelope;
import java.io.IOException;
import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivery over SMTP to a smarthost set or to each recipient domain's MX hosts. Hosts are tried in
 * order (priority or MX preference) until one takes the transaction; connections are reused
 * through the {@link ConnectionCache}; TLS and AUTH follow the connector's options.
 */
final class SmtpConnector implements Connector {
    private static final Logger log = LoggerFactory.getLogger(SmtpConnector.class);

    private final String name;
    private final ConnectorConfig config;
    private final ConnectorConfig.SmtpOptions options;
    private final String heloName;
    private final MxResolver resolver;
    private final Predicate<NextHop> isThisGateway;
    private final SSLContext tls;
    private final ConnectionCache cache = new ConnectionCache();
    private final DestinationLimits limits;
    private final java.util.concurrent.atomic.AtomicInteger openConnections = new java.util.concurrent.atomic.AtomicInteger();
    private final io.portcullis.delivery.tls.MtaStsService mtaSts; // null: no MTA-STS (smarthosts)

    SmtpConnector(ConnectorConfig config, ConnectorConfig.SmtpOptions options, String heloName, MxResolver resolver,
                  Predicate<NextHop> isThisGateway) throws IOException {
        this(config, options, heloName, resolver, isThisGateway, null);
    }

    SmtpConnector(ConnectorConfig config, ConnectorConfig.SmtpOptions options, String heloName, MxResolver resolver,
                  Predicate<NextHop> isThisGateway, io.portcullis.delivery.tls.MtaStsService mtaSts) throws IOException {
        this.mtaSts = mtaSts;
        this.name = config.name();
        this.config = config;
        this.options = options;
        this.heloName = heloName;
        this.resolver = resolver;
        this.isThisGateway = isThisGateway;
        this.tls = clientTlsContext(options);
        this.limits = new DestinationLimits(options.maxConnectionsPerDestination(), options.messagesPerMinutePerDestination());
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<RecipientResult> deliver(DeliveryJob job) {
        if (config instanceof ConnectorConfig.Smarthost smarthost) {
            return deliverTo(name, smarthostHops(smarthost), job, StsDestination.OFF);
        }
        // MX: one transaction per recipient domain.
        Map<String, List<Envelope.Recipient>> byDomain = new LinkedHashMap<>();
        for (Envelope.Recipient recipient : job.recipients()) {
            String address = recipient.address();
            byDomain.computeIfAbsent(address.substring(address.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT),
                    d -> new ArrayList<>()).add(recipient);
        }
        List<RecipientResult> results = new ArrayList<>();
        for (var entry : byDomain.entrySet()) {
            DeliveryJob domainJob = new DeliveryJob(job.envelope(), job.message(), entry.getValue());
            MxResolver.Result resolved = resolver.resolve(entry.getKey());
            if (resolved instanceof MxResolver.Failure failure) {
                results.addAll(RecipientResult.allOf(domainJob.recipients(), failure.reply(), null));
            } else if (resolved instanceof MxResolver.Hosts hosts) {
                ConnectorConfig.Mx mx = (ConnectorConfig.Mx) config;
                List<NextHop> hops = new ArrayList<>();
                Reply refused = null;
                StsDestination sts = StsDestination.lookUp(mtaSts, entry.getKey(), job.envelope().flow()); // MTA-STS hook (RFC 8461 §4.1)
                for (MxResolver.Host host : hosts.hosts()) {
                    if (!sts.permits(host.name())) {
                        continue;
                    }
                    for (InetAddress address : host.addresses()) {
                        Optional<String> nonPublic = AddressScope.nonPublic(address);
                        if (nonPublic.isEmpty() || AddressScope.isAllowed(mx.allowInternalAddresses(), address)) {
                            hops.add(new NextHop(host.name(), address, mx.port()));
                        } else if (refused == null) {
                            refused = Replies.NON_PUBLIC_ADDRESS.append(InetAddresses.toAddrString(address) + " (" + host.name() + ": "
                                    + nonPublic.get() + ")");
                        }
                    }
                }
                if (hops.isEmpty() && refused == null && sts.checks()) {
                    refused = sts.noMatchingHost();
                }
                if (hops.isEmpty() && refused != null) {
                    log.info("{}: refusing to deliver to {}: {}", name, entry.getKey(), refused);
                    results.addAll(RecipientResult.allOf(domainJob.recipients(), refused, null));
                } else {
                    results.addAll(deliverTo(entry.getKey(), hops, domainJob, sts));
                }
            }
        }
        return results;
    }

    private List<NextHop> smarthostHops(ConnectorConfig.Smarthost smarthost) {
        List<NextHop> hops = new ArrayList<>();
        smarthost.hosts().stream().sorted(Comparator.comparingInt(ConnectorConfig.Host::priority)).forEach(host -> {
            for (InetAddress address : resolver.hostAddresses(host.host())) {
                hops.add(new NextHop(host.host(), address, host.port()));
            }
        });
        return hops;
    }

    private List<RecipientResult> deliverTo(String destination, List<NextHop> hops, DeliveryJob job, StsDestination sts) {
        List<NextHop> candidates = hops.stream().filter(isThisGateway.negate()).toList();
        if (candidates.isEmpty()) {
            return RecipientResult.allOf(job.recipients(), hops.isEmpty() ? Replies.CONNECTION_FAILED.append("(no address for " + destination + ")")
                    : Replies.MAIL_LOOPS, null);
        }
        try {
            limits.acquire(destination);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return RecipientResult.allOf(job.recipients(), Replies.DELIVERY_LOCAL_ERROR, null);
        }
        try {
            Reply lastFailure = Replies.CONNECTION_FAILED;
            String lastHost = null;
            for (NextHop hop : candidates) {
                SmtpClient client = sts.checks() ? null : cache.take(hop); // a cached one may be unverified
                try {
                    if (client == null) {
                        client = open(hop, sts);
                    }
                } catch (NextHopChannel.TimedOut e) {
                    lastFailure = Replies.NEXT_HOP_TIMED_OUT.append("(" + hop + ": " + e.getMessage() + ")");
                    lastHost = hop.toString();
                    continue;
                } catch (IOException e) {
                    lastFailure = Replies.CONNECTION_FAILED.append("(" + hop + ": " + e.getMessage() + ")");
                    lastHost = hop.toString();
                    continue;
                } catch (NextHopException e) {
                    lastFailure = e.reply();
                    lastHost = hop.toString();
                    continue;
                }
                if (SmtpClient.needsSmtpUtf8(job.envelope()) && !client.offers("SMTPUTF8")) {
                    cache.put(client);
                    return RecipientResult.allOf(job.recipients(), Replies.NEEDS_SMTPUTF8, hop.toString());
                }
                try {
                    List<RecipientResult> results = client.send(job);
                    cache.put(client);
                    return results;
                } catch (IOException e) {
                    client.close();
                    log.info("{}: connection to {} lost during delivery of {}: {}", name, hop, job.envelope().queueId(),
                            e.toString());
                    Reply reply = e instanceof NextHopChannel.TimedOut ? Replies.NEXT_HOP_TIMED_OUT : Replies.CONNECTION_LOST;
                    return RecipientResult.allOf(job.recipients(), reply.append("(" + hop + ": " + e.getMessage() + ")"),
                            hop.toString());
                }
            }
            return RecipientResult.allOf(job.recipients(), lastFailure, lastHost);
        } finally {
            limits.release(destination);
        }
    }

    /** Connections to next hops open right now, idle ones in the cache included. */
    int openConnections() {
        return openConnections.get();
    }

    private SmtpClient connect(NextHop hop) throws IOException, NextHopException {
        SmtpClient client = SmtpClient.connect(hop, options, heloName);
        openConnections.incrementAndGet();
        client.onClose(openConnections::decrementAndGet);
        return client;
    }

    /** Connects and secures a connection as the TLS policy and credentials demand. */
    private SmtpClient open(NextHop hop, StsDestination sts) throws IOException, NextHopException {
        SmtpClient client = connect(hop);
        try {
            boolean offered = client.offers("STARTTLS");
            StsDestination.Secured secured = sts.secure(client, hop); // MTA-STS hook: throws 4.7.5 under enforce
            if (secured == StsDestination.Secured.BROKEN) {
                client.close();
                client = connect(hop);
            }
            switch (secured == StsDestination.Secured.VERIFIED ? ConnectorConfig.TlsPolicy.NONE : options.tls()) {
                case REQUIRED -> {
                    if (!offered) {
                        throw new NextHopException(Replies.TLS_REQUIRED.append("(" + hop + " does not offer STARTTLS)"));
                    }
                    try {
                        client.startTls(tls, true);
                    } catch (IOException e) {
                        throw new NextHopException(Replies.TLS_REQUIRED.append("(" + hop + ": " + e.getMessage() + ")"));
                    }
                }
                case OPPORTUNISTIC -> {
                    if (offered) {
                        try {
                            client.startTls(tls, false);
                        } catch (IOException e) {
                            // As Postfix does at "may": without a working TLS, plain text beats no mail.
                            log.info("{}: TLS with {} failed ({}), retrying without TLS", name, hop, e.getMessage());
                            client.close();
                            client = connect(hop);
                        }
                    }
                }
                case NONE -> {
                }
            }
            if (options.tls() != ConnectorConfig.TlsPolicy.NONE) {
                sts.opened(client, hop, offered);
            }
            if (options.username() != null) {
                if (!client.isTls()) {
                    throw new NextHopException(Replies.NEXT_HOP_AUTH_NEEDS_TLS);
                }
                if (!client.authenticate(options.username(), options.password())) {
                    throw new NextHopException(Replies.NEXT_HOP_AUTH_FAILED);
                }
            }
            return client;
        } catch (IOException | NextHopException | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    @Override
    public void closeIdleConnections() {
        cache.sweep();
    }

    @Override
    public void close() {
        cache.close();
    }

    /**
     * Opportunistic TLS accepts any certificate (encryption without authentication, as Postfix's
     * "may"); required TLS verifies against the configured CA file or the JDK's trust store.
     */
    private static SSLContext clientTlsContext(ConnectorConfig.SmtpOptions options) throws IOException {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            if (options.tls() != ConnectorConfig.TlsPolicy.REQUIRED) {
                context.init(null, new TrustManager[] {new io.portcullis.config.TrustEveryCertificate()}, null);
                return context;
            }
            KeyStore trust = null;
            if (options.tlsTrust() != null) {
                trust = KeyStore.getInstance(KeyStore.getDefaultType());
                trust.load(null, null);
                try (var in = java.nio.file.Files.newInputStream(options.tlsTrust())) {
                    int i = 0;
                    for (var certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                        trust.setCertificateEntry("ca" + i++, certificate);
                    }
                }
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trust);
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up TLS for a connector: " + e.getMessage(), e);
        }
    }
}
