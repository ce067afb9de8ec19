package io.portcullis.policy;

import io.portcullis.config.Phase;
import io.portcullis.config.PhaseCheckConfig;
import io.portcullis.dns.DnsLookup;
import io.portcullis.smtp.Mailbox;
import io.portcullis.smtp.Replies;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Set;

/**
 * The envelope sender's domain must be able to receive the replies to its mail (Postfix's
 * reject_unknown_sender_domain): it needs an MX record, or else an A or AAAA record (RFC 5321
 * §5.1). No such domain, or none of those records: 550 5.1.8 "domain not found"; a null MX (RFC
 * 7505 §4.2, the domain says it takes no mail): 550 5.7.27; a DNS failure (timeout, SERVFAIL) is
 * never a 5xx: 450 4.1.8, or skipped. NXDOMAIN and NODATA are told apart from failures by
 * {@link DnsLookup#lookupMx}. The null sender and address literals pass. All lookups of one MAIL
 * within {@code timeout}.
 */
final class SenderDomainCheck implements PhaseCheck {
    private static final Set<Phase> PHASES = Set.of(Phase.MAIL);

    private final PhaseCheckConfig.SenderDomain config;
    private final DnsLookup dns;

    SenderDomainCheck(PhaseCheckConfig.SenderDomain config, InetSocketAddress dnsServer) {
        this.config = config;
        this.dns = new DnsLookup(dnsServer, config.timeout());
    }

    @Override
    public Set<Phase> phases() {
        return PHASES;
    }

    @Override
    public boolean isFilter() {
        return true;
    }

    @Override
    public Verdict check(PhaseInput input) {
        Mailbox sender = input.sender();
        if (sender == null || sender.domain() == null || sender.isAddressLiteral()) {
            return Verdict.ACCEPT;
        }
        String domain = sender.canonicalDomain();
        long deadline = System.nanoTime() + config.timeout().toNanos();
        DnsLookup.Answer<String> mx = dns.lookupMx(domain, config.timeout());
        switch (mx.outcome()) {
            case FOUND -> {
                return mx.records().stream().allMatch(String::isEmpty)
                        ? ClientCheckVerdicts.found(config.action(), Replies.SENDER_DOMAIN_NULL_MX, "sender-domain-null-mx",
                                input, this)
                        : Verdict.ACCEPT;
            }
            case NO_SUCH_DOMAIN -> {
                return notFound(input);
            }
            case FAILED -> {
                return failed(mx.failure());
            }
            case NO_DATA -> {
            }
        }
        String failure = null;
        for (boolean ipv6 : new boolean[] {false, true}) {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                return failed("lookup of " + domain + " ran out of time");
            }
            DnsLookup.Answer<?> addresses = dns.lookupAddresses(domain, ipv6, Duration.ofNanos(remaining));
            if (addresses.outcome() == DnsLookup.Outcome.FOUND) {
                return Verdict.ACCEPT;
            }
            if (addresses.failed()) {
                failure = addresses.failure();
            }
        }
        return failure == null ? notFound(input) : failed(failure);
    }

    private Verdict notFound(PhaseInput input) {
        return ClientCheckVerdicts.found(config.action(), Replies.SENDER_DOMAIN_NOT_FOUND, "sender-domain-unknown", input,
                this);
    }

    private Verdict failed(String failure) {
        return ClientCheckVerdicts.dnsFailed(config.action(), Replies.SENDER_DOMAIN_LOOKUP_FAILED,
                "sender-domain-lookup-failed", failure);
    }
}
