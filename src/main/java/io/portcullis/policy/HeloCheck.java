package io.portcullis.policy;

import io.portcullis.config.IpLiteral;
import io.portcullis.config.Phase;
import io.portcullis.config.PhaseCheckConfig;
import io.portcullis.dns.DnsLookup;
import io.portcullis.smtp.DomainName;
import io.portcullis.smtp.Replies;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/**
 * The EHLO/HELO name, which the session has already parsed as a domain or an address literal
 * (else 501). Each rule can be switched off:
 * <ul>
 * <li>{@code require-fqdn}: a bare IP address ({@code 192.0.2.1}, no brackets) gets 550 5.5.2
 *     "invalid ip address", a name without a dot (or with a numeric top-level label) 550 5.5.2
 *     "need fully-qualified hostname" (Postfix's reject_invalid_helo_hostname,
 *     reject_non_fqdn_helo_hostname). Address literals pass.</li>
 * <li>{@code reject-our-names}: one of our names or addresses ({@link OurIdentity}, plus
 *     {@code our-names} and {@code our-addresses}), as a name, an address literal or a bare IP: 550
 *     5.7.1 "you are not me". Trusted clients never get here (this is a filter).</li>
 * <li>{@code require-resolvable} (off by default): a name with no A, AAAA or MX record gets 550
 *     5.7.1 "host not found" (reject_unknown_helo_hostname); a DNS failure 450 4.7.1 or a skip.
 *     Looked up once per session and name, within {@code timeout}.</li>
 * </ul>
 */
final class HeloCheck implements PhaseCheck {
    private static final Set<Phase> PHASES = Set.of(Phase.HELO, Phase.MAIL, Phase.RCPT);

    /** The last name looked up in this session and what was found. */
    private static final class Resolved implements PhaseSession.Attachment {
        private String name;
        private DnsLookup.Outcome outcome;
        private String failure;

        @Override
        public void close() {
        }
    }

    private final PhaseCheckConfig.Helo config;
    private final Set<String> ourNames;
    private final Set<InetAddress> ourAddresses;
    private final OurIdentity identity;
    private final DnsLookup dns;

    HeloCheck(PhaseCheckConfig.Helo config, OurIdentity identity, InetSocketAddress dnsServer) {
        this.config = config;
        this.identity = identity;
        this.ourNames = new HashSet<>(config.ourNames());
        this.ourAddresses = new HashSet<>(config.ourAddresses());
        this.dns = config.requireResolvable() ? new DnsLookup(dnsServer, config.timeout()) : null;
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
        String helo = input.helo();
        if (helo == null) {
            return Verdict.ACCEPT;
        }
        boolean literal = helo.startsWith("[");
        boolean bareIp = !literal && isNumeric(helo);
        if (config.requireFqdn() && !literal) {
            if (bareIp) {
                return ClientCheckVerdicts.found(config.action(), Replies.HELO_BARE_IP, "helo-bare-ip", input, this);
            }
            int dot = helo.lastIndexOf('.');
            if (dot < 0 || isDigits(helo.substring(dot + 1))) {
                return ClientCheckVerdicts.found(config.action(), Replies.HELO_NOT_FQDN, "helo-not-fqdn", input, this);
            }
        }
        if (config.rejectOurNames() && isOurs(helo, literal, bareIp)) {
            return ClientCheckVerdicts.found(config.action(), Replies.HELO_NOT_ME, "helo-not-me", input, this);
        }
        if (config.requireResolvable() && !literal && !bareIp) {
            return resolvable(helo, input);
        }
        return Verdict.ACCEPT;
    }

    private boolean isOurs(String helo, boolean literal, boolean bareIp) {
        if (literal || bareIp) {
            InetAddress address = literalAddress(helo);
            return address != null && (identity.isOurAddress(address) || ourAddresses.contains(address));
        }
        String canonical = DomainName.canonical(helo);
        return canonical != null && (identity.isOurName(canonical) || ourNames.contains(canonical));
    }

    /** {@code [192.0.2.1]}, {@code [IPv6:2001:db8::1]} or a bare {@code 192.0.2.1}; null for other literals. */
    private static InetAddress literalAddress(String helo) {
        String inside = helo.startsWith("[") && helo.endsWith("]") ? helo.substring(1, helo.length() - 1) : helo;
        if (inside.regionMatches(true, 0, "IPv6:", 0, 5)) {
            return inside.indexOf(':', 5) < 0 ? null : IpLiteral.parse(inside.substring(5));
        }
        return inside.contains(":") ? null : IpLiteral.parse(inside);
    }

    private Verdict resolvable(String helo, PhaseInput input) {
        String name = DomainName.canonical(helo);
        if (name == null) { // the session's parser lets no such name through; never look it up
            return ClientCheckVerdicts.found(config.action(), Replies.HELO_HOST_NOT_FOUND, "helo-unknown", input, this);
        }
        Resolved resolved = input.session().attachment(this, Resolved::new);
        if (!name.equals(resolved.name)) {
            resolved.name = name;
            resolved.failure = null;
            resolved.outcome = lookUp(name, resolved);
        }
        return switch (resolved.outcome) {
            case FOUND -> Verdict.ACCEPT;
            case NO_DATA, NO_SUCH_DOMAIN -> ClientCheckVerdicts.found(config.action(), Replies.HELO_HOST_NOT_FOUND,
                    "helo-unknown", input, this);
            case FAILED -> ClientCheckVerdicts.dnsFailed(config.action(), Replies.HELO_LOOKUP_FAILED, "helo-lookup-failed",
                    resolved.failure);
        };
    }

    /** FOUND when the name has an A, AAAA or MX record; NO_SUCH_DOMAIN/NO_DATA when it has none; FAILED otherwise. */
    private DnsLookup.Outcome lookUp(String name, Resolved resolved) {
        long deadline = System.nanoTime() + config.timeout().toNanos();
        boolean failed = false;
        for (int step = 0; step < 3; step++) {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                resolved.failure = "lookup of " + name + " ran out of time";
                return DnsLookup.Outcome.FAILED;
            }
            DnsLookup.Answer<?> answer = step == 2 ? dns.lookupMx(name, Duration.ofNanos(remaining))
                    : dns.lookupAddresses(name, step == 1, Duration.ofNanos(remaining));
            switch (answer.outcome()) {
                case FOUND -> {
                    return DnsLookup.Outcome.FOUND;
                }
                case NO_SUCH_DOMAIN -> {
                    return DnsLookup.Outcome.NO_SUCH_DOMAIN; // no record of any type can exist
                }
                case FAILED -> {
                    failed = true;
                    resolved.failure = answer.failure();
                }
                case NO_DATA -> {
                }
            }
        }
        return failed ? DnsLookup.Outcome.FAILED : DnsLookup.Outcome.NO_DATA;
    }

    /** Only digits and dots: an IPv4 address (or a mangled one) written without brackets. */
    private static boolean isNumeric(String helo) {
        for (int i = 0; i < helo.length(); i++) {
            char c = helo.charAt(i);
            if (c != '.' && (c < '0' || c > '9')) {
                return false;
            }
        }
        return true;
    }

    private static boolean isDigits(String label) {
        return !label.isEmpty() && isNumeric(label);
    }
}
