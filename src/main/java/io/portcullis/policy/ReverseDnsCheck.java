package io.portcullis.policy;

import io.portcullis.config.Phase;
import io.portcullis.config.PhaseCheckConfig;
import io.portcullis.dns.DnsLookup;
import io.portcullis.smtp.Replies;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Forward-confirmed reverse DNS of the client (Postfix's reject_unknown_client_hostname; with
 * {@code require: ptr}, reject_unknown_reverse_client_hostname). No PTR record: 550 5.7.25 "cannot
 * find your reverse hostname" (RFC 7372 §3.3); PTR names of which none resolves back to the
 * client's address: 550 5.7.25 "cannot find your hostname"; DNS failure: 450 4.7.25 or skipped.
 *
 * <p>Bounded: at most {@code max-names} PTR names are looked up (A for an IPv4 client, AAAA for an
 * IPv6 one), all lookups together within {@code timeout}. The lookup is made once per session and
 * kept in its {@link PhaseSession}, so the check named at connect and again at rcpt (or a second
 * check with the same settings) asks DNS once; a failed lookup is not retried in the session.
 */
final class ReverseDnsCheck implements PhaseCheck {
    private static final Set<Phase> PHASES = Set.of(Phase.CONNECT, Phase.HELO, Phase.MAIL, Phase.RCPT);

    /** What the lookup found. */
    enum Found { CONFIRMED, NO_PTR, UNCONFIRMED, FAILED }

    /** One session's lookup, shared by the checks with equal settings (its key). */
    private record Lookup(Found found, String failure) implements PhaseSession.Attachment {
        @Override
        public void close() {
        }
    }

    private record Key(boolean requireConfirmed, int maxNames, Duration timeout, InetSocketAddress server) {
    }

    private final PhaseCheckConfig.ReverseDns config;
    private final DnsLookup dns;
    private final Key key;

    ReverseDnsCheck(PhaseCheckConfig.ReverseDns config, InetSocketAddress dnsServer) {
        this.config = config;
        this.dns = new DnsLookup(dnsServer, config.timeout());
        this.key = new Key(config.requireConfirmed(), config.maxNames(), config.timeout(), dnsServer);
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
        InetAddress client = input.client().address();
        Lookup lookup = input.session().attachment(key, () -> lookUp(client));
        String literal = "[" + client.getHostAddress() + "]";
        return switch (lookup.found()) {
            case CONFIRMED -> Verdict.ACCEPT;
            case NO_PTR -> ClientCheckVerdicts.found(config.action(), Replies.CLIENT_NO_REVERSE_HOSTNAME.append(literal),
                    "reverse-dns-missing", input, this);
            case UNCONFIRMED -> ClientCheckVerdicts.found(config.action(),
                    Replies.CLIENT_HOSTNAME_UNCONFIRMED.append(literal), "reverse-dns-unconfirmed", input, this);
            case FAILED -> ClientCheckVerdicts.dnsFailed(config.action(),
                    Replies.CLIENT_HOSTNAME_LOOKUP_FAILED.append(literal), "reverse-dns-failed", lookup.failure());
        };
    }

    private Lookup lookUp(InetAddress client) {
        long deadline = System.nanoTime() + config.timeout().toNanos();
        DnsLookup.Answer<String> ptr = dns.lookupPtr(client, config.timeout());
        switch (ptr.outcome()) {
            case FAILED -> {
                return new Lookup(Found.FAILED, ptr.failure());
            }
            case NO_DATA, NO_SUCH_DOMAIN -> {
                return new Lookup(Found.NO_PTR, null);
            }
            case FOUND -> {
            }
        }
        Set<String> names = new LinkedHashSet<>();
        for (String name : ptr.records()) {
            if (!name.isEmpty() && names.size() < config.maxNames()) {
                names.add(name);
            }
        }
        if (names.isEmpty()) {
            return new Lookup(Found.NO_PTR, null);
        }
        if (!config.requireConfirmed()) {
            return new Lookup(Found.CONFIRMED, null);
        }
        String failure = null;
        for (String name : names) {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                failure = "reverse DNS of " + client.getHostAddress() + " ran out of time";
                break;
            }
            DnsLookup.Answer<InetAddress> forward = dns.lookupAddresses(name, client instanceof Inet6Address,
                    Duration.ofNanos(remaining));
            if (forward.records().contains(client)) {
                return new Lookup(Found.CONFIRMED, null);
            }
            if (forward.failed()) {
                failure = forward.failure(); // this name might have confirmed: not a definite "no"
            }
        }
        return failure == null ? new Lookup(Found.UNCONFIRMED, null) : new Lookup(Found.FAILED, failure);
    }
}
