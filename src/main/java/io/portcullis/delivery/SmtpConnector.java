package io.portcullis.delivery;

import com.google.common.net.InetAddresses;
import io.portcullis.smtp.Replies;
import io.portcullis.config.ConnectorConfig;
import io.portcullis.delivery.dane.DaneLookup;
import io.portcullis.delivery.tls.MtaStsService;
import io.portcullis.observe.Telemetry;
import io.portcullis.smtp.Reply;
import io.portcullis.spool.Envelope;
import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import javax.net.ssl.SSLSession;
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
    private final DestinationTls tls;
    private final MtaStsService mtaSts;
    private final Telemetry telemetry;
    private final ConnectionCache cache = new ConnectionCache();
    private final DestinationLimits limits;
    private final java.util.concurrent.atomic.AtomicInteger openConnections = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * @param dane   DNSSEC lookups for the {@code dane} levels, or null when none can be trusted
     * @param mtaSts MTA-STS policies and TLS reporting for MX delivery, or null for none (smarthosts)
     */
    SmtpConnector(ConnectorConfig config, ConnectorConfig.SmtpOptions options, String heloName, MxResolver resolver,
                  Predicate<NextHop> isThisGateway, DaneLookup dane, MtaStsService mtaSts, Telemetry telemetry)
            throws IOException {
        this.mtaSts = mtaSts;
        this.name = config.name();
        this.config = config;
        this.options = options;
        this.heloName = heloName;
        this.resolver = resolver;
        this.isThisGateway = isThisGateway;
        this.tls = new DestinationTls(options, dane);
        this.telemetry = telemetry;
        this.limits = new DestinationLimits(options.maxConnectionsPerDestination(), options.messagesPerMinutePerDestination());
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<RecipientResult> deliver(DeliveryJob job) {
        if (config instanceof ConnectorConfig.Smarthost smarthost) {
            return deliverTo(name, smarthostHops(smarthost), job, hop -> tls.forSmarthost(hop.hostName()), StsDestination.OFF);
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
                // MTA-STS (RFC 8461 §4.1): under enforce only the MX hosts its policy names
                StsDestination sts = options.tlsFor(entry.getKey()) == ConnectorConfig.TlsPolicy.NONE ? StsDestination.OFF
                        : StsDestination.lookUp(mtaSts, entry.getKey(), job.envelope().flow());
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
                    DestinationTls.Plan plan = tls.forDomain(entry.getKey());
                    results.addAll(deliverTo(entry.getKey(), hops, domainJob, hop -> plan, sts));
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

    /**
     * Tries the hops in order until one takes the transaction. Each hop must first meet its TLS
     * requirement ({@link DestinationTls}) and the destination's MTA-STS policy ({@link
     * StsDestination}; DANE takes precedence); one that cannot is skipped with {@code 451 4.7.5},
     * before any mail command is sent to it.
     */
    private List<RecipientResult> deliverTo(String destination, List<NextHop> hops, DeliveryJob job,
                                            Function<NextHop, DestinationTls.Plan> plans, StsDestination sts) {
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
        String flow = job.envelope().flow();
        try {
            Reply lastFailure = Replies.CONNECTION_FAILED;
            String lastHost = null;
            boolean policyNotMet = false;
            Map<String, DaneLookup.Tlsa> tlsa = new HashMap<>();
            for (NextHop hop : candidates) {
                TlsRequirement requirement = tls.forHop(plans.apply(hop), hop, tlsa);
                if (requirement.refusal() != null) {
                    log.info("{}: not delivering to {}: {}", name, hop, requirement.refusal());
                    lastFailure = requirement.refusal();
                    lastHost = hop.toString();
                    policyNotMet = true;
                    continue;
                }
                // a cached connection may have verified nothing: a domain with an MTA-STS policy gets a new one
                SmtpClient client = sts.checks() ? null : cache.take(hop);
                if (client != null && !requirement.admits(client.requirement())) {
                    client.close(); // opened for another TLS requirement: never reused across them
                    client = null;
                }
                try {
                    if (client == null) {
                        client = open(hop, requirement, sts);
                    }
                } catch (NextHopChannel.TimedOut e) {
                    lastFailure = Replies.NEXT_HOP_TIMED_OUT.append("(" + hop + ": " + e.getMessage() + ")");
                    lastHost = hop.toString();
                    continue;
                } catch (IOException e) {
                    lastFailure = Replies.CONNECTION_FAILED.append("(" + hop + ": " + e.getMessage() + ")");
                    lastHost = hop.toString();
                    continue;
                } catch (TlsNotMet e) {
                    log.info("{}: TLS policy not met by {}: {}", name, hop, e.reply());
                    lastFailure = e.reply();
                    lastHost = hop.toString();
                    policyNotMet = true;
                    continue;
                } catch (NextHopException e) {
                    lastFailure = e.reply();
                    lastHost = hop.toString();
                    continue;
                }
                TlsOutcome outcome = client.tlsOutcome();
                telemetry.deliveryTls(name, flow, outcome.verified().label());
                if (SmtpClient.needsSmtpUtf8(job.envelope()) && !client.offers("SMTPUTF8")) {
                    cache.put(client);
                    return withTls(RecipientResult.allOf(job.recipients(), Replies.NEEDS_SMTPUTF8, hop.toString()), outcome);
                }
                try {
                    List<RecipientResult> results = client.send(job);
                    cache.put(client);
                    return withTls(results, outcome);
                } catch (IOException e) {
                    client.close();
                    log.info("{}: connection to {} lost during delivery of {}: {}", name, hop, job.envelope().queueId(),
                            e.toString());
                    Reply reply = e instanceof NextHopChannel.TimedOut ? Replies.NEXT_HOP_TIMED_OUT : Replies.CONNECTION_LOST;
                    return withTls(RecipientResult.allOf(job.recipients(), reply.append("(" + hop + ": " + e.getMessage() + ")"),
                            hop.toString()), outcome);
                }
            }
            List<RecipientResult> failed = RecipientResult.allOf(job.recipients(), lastFailure, lastHost);
            if (policyNotMet && "4.7.5".equals(lastFailure.enhancedCode())) {
                telemetry.deliveryTls(name, flow, TlsOutcome.Verified.FAILED.label());
                return withTls(failed, TlsOutcome.POLICY_NOT_MET);
            }
            return failed;
        } finally {
            limits.release(destination);
        }
    }

    private static List<RecipientResult> withTls(List<RecipientResult> results, TlsOutcome outcome) {
        return results.stream().map(result -> result.withTls(outcome)).toList();
    }

    /** A hop that cannot give what its TLS requirement asks: {@code 451 4.7.5}, nothing was sent. */
    private static final class TlsNotMet extends NextHopException {
        TlsNotMet(Reply reply) {
            super(reply);
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

    /** Connects and secures a connection as the TLS requirement, the MTA-STS policy and credentials demand. */
    private SmtpClient open(NextHop hop, TlsRequirement requirement, StsDestination sts) throws IOException, NextHopException {
        SmtpClient client = connect(hop);
        try {
            boolean offered = client.offers("STARTTLS");
            TlsOutcome outcome = TlsOutcome.PLAIN;
            // MTA-STS, unless DANE decides (RFC 8461 §2) or the level says no TLS at all
            StsDestination.Secured secured = StsDestination.Secured.UNCHANGED;
            if (requirement.kind() != TlsRequirement.Kind.DANE && requirement.kind() != TlsRequirement.Kind.NONE) {
                try {
                    secured = sts.secure(client, hop);
                } catch (NextHopException e) {
                    throw new TlsNotMet(e.reply()); // enforce: 451 4.7.5, nothing sent
                }
                if (secured == StsDestination.Secured.BROKEN) { // testing mode failed: carry on as the level says
                    client.close();
                    client = connect(hop);
                    offered = client.offers("STARTTLS");
                } else if (secured == StsDestination.Secured.VERIFIED) {
                    outcome = new TlsOutcome(sts.session().getProtocol(), sts.session().getCipherSuite(),
                            TlsOutcome.Verified.STS);
                }
            }
            switch (secured == StsDestination.Secured.VERIFIED ? TlsRequirement.Kind.NONE : requirement.kind()) {
                case NONE -> {
                }
                case MAY -> {
                    if (offered) {
                        try {
                            outcome = startTls(client, requirement, TlsOutcome.Verified.UNVERIFIED);
                        } catch (IOException e) {
                            // As Postfix does at "may": without a working TLS, plain text beats no mail.
                            log.info("{}: TLS with {} failed ({}), retrying without TLS", name, hop, e.getMessage());
                            client.close();
                            client = connect(hop);
                        }
                    }
                }
                case ENCRYPT, VERIFY, SECURE, DANE -> {
                    if (!offered) {
                        // Stripped by someone on the path, or a server without TLS: nothing goes in clear.
                        throw new TlsNotMet(Replies.TLS_NOT_OFFERED.append("(" + hop + ")"));
                    }
                    TlsOutcome.Verified verified = switch (requirement.kind()) {
                        case DANE -> TlsOutcome.Verified.DANE;
                        case VERIFY, SECURE -> TlsOutcome.Verified.CA;
                        default -> TlsOutcome.Verified.UNVERIFIED;
                    };
                    try {
                        outcome = startTls(client, requirement, verified);
                    } catch (IOException e) {
                        Reply reply = requirement.kind() == TlsRequirement.Kind.DANE ? Replies.DANE_MISMATCH : Replies.TLS_REQUIRED;
                        throw new TlsNotMet(reply.append("(" + hop + ": " + e.getMessage() + ")"));
                    } catch (NextHopException e) {
                        throw new TlsNotMet(Replies.TLS_REQUIRED.append("(" + hop + ": STARTTLS refused: " + e.reply() + ")"));
                    }
                }
            }
            client.secured(requirement, outcome);
            if (requirement.kind() != TlsRequirement.Kind.NONE) {
                sts.opened(client, hop, offered); // TLS-RPT: a session to a domain without a policy
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

    private TlsOutcome startTls(SmtpClient client, TlsRequirement requirement, TlsOutcome.Verified verified)
            throws IOException, NextHopException {
        boolean verifyHost = requirement.kind() == TlsRequirement.Kind.VERIFY;
        SSLSession session = client.startTls(tls.context(requirement), verifyHost);
        return new TlsOutcome(session.getProtocol(), session.getCipherSuite(), verified);
    }

    @Override
    public void closeIdleConnections() {
        cache.sweep();
    }

    @Override
    public void close() {
        cache.close();
    }
}
