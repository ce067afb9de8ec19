package io.portcullis.content.authentication;

import io.portcullis.dns.DnsLookup;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Locale;

/**
 * check_host() of RFC 7208 §4: the SPF result for a client IP, a domain and a sender. One
 * instance per evaluation, because the DNS lookup limits (10 terms, 2 void lookups, §4.6.4) count
 * over the whole evaluation, includes and redirects too.
 */
public final class SpfEvaluator {
    private static final int MAX_DNS_TERMS = 10;
    private static final int MAX_VOID_LOOKUPS = 2;
    private static final int MAX_ADDRESS_LOOKUPS = 10;

    /** The result, and for {@code fail} the explanation from the exp= modifier (or null). */
    public record Outcome(SpfResult result, String explanation) {
    }

    private final DnsLookup dns;
    private final InetAddress ip;
    private final String sender;
    private final String helo;
    private int dnsTerms;
    private int voidLookups;

    /**
     * @param sender the MAIL FROM address, or postmaster@HELO for the null sender (§2.4)
     */
    private SpfEvaluator(DnsLookup dns, InetAddress ip, String sender, String helo) {
        this.dns = dns;
        this.ip = unmapped(ip);
        this.sender = sender;
        this.helo = helo;
    }

    /** The SPF result for MAIL FROM {@code mailFrom} ("" for the null sender), or for HELO when it is null. */
    public static Outcome evaluate(DnsLookup dns, InetAddress ip, String mailFrom, String helo) {
        String sender = mailFrom == null || mailFrom.isEmpty() ? "postmaster@" + helo : mailFrom;
        if (sender.startsWith("@")) {
            sender = "postmaster" + sender;
        }
        String domain = sender.substring(sender.lastIndexOf('@') + 1);
        SpfEvaluator evaluator = new SpfEvaluator(dns, ip, sender, helo);
        return evaluator.checkHost(domain, true);
    }

    private static InetAddress unmapped(InetAddress ip) {
        byte[] bytes = ip.getAddress();
        if (bytes.length == 16) {
            boolean mapped = bytes[10] == (byte) 0xff && bytes[11] == (byte) 0xff;
            for (int i = 0; i < 10 && mapped; i++) {
                mapped = bytes[i] == 0;
            }
            if (mapped) {
                try {
                    return InetAddress.getByAddress(java.util.Arrays.copyOfRange(bytes, 12, 16));
                } catch (java.net.UnknownHostException e) {
                    return ip;
                }
            }
        }
        return ip;
    }

    private Outcome checkHost(String domain, boolean top) {
        if (!isValidDomain(domain)) {
            return new Outcome(SpfResult.NONE, null); // §4.3: a malformed domain has no SPF record
        }
        SpfRecord record;
        try {
            List<String> spf = dns.txt(domain).stream().filter(SpfRecord::isSpf).toList();
            if (spf.isEmpty()) {
                return new Outcome(SpfResult.NONE, null);
            }
            if (spf.size() > 1) {
                return new Outcome(SpfResult.PERMERROR, null);
            }
            record = SpfRecord.parse(spf.getFirst());
        } catch (DnsLookup.DnsException e) {
            return new Outcome(SpfResult.TEMPERROR, null);
        } catch (SpfRecord.PermError e) {
            return new Outcome(SpfResult.PERMERROR, null);
        }
        try {
            for (SpfRecord.Directive directive : record.directives()) {
                if (matches(directive, domain)) {
                    SpfResult result = SpfResult.ofQualifier(directive.qualifier());
                    return new Outcome(result, result == SpfResult.FAIL ? explain(record, domain) : null);
                }
            }
            if (record.redirect() != null) {
                countDnsTerm();
                String target = SpfMacros.expand(record.redirect(), context(domain), false);
                Outcome redirected = checkHost(target, false);
                return redirected.result() == SpfResult.NONE ? new Outcome(SpfResult.PERMERROR, null) : redirected;
            }
            return new Outcome(SpfResult.NEUTRAL, null);
        } catch (SpfRecord.PermError e) {
            return new Outcome(SpfResult.PERMERROR, null);
        } catch (DnsLookup.DnsException e) {
            return new Outcome(SpfResult.TEMPERROR, null);
        } catch (Temporary e) {
            return new Outcome(SpfResult.TEMPERROR, null);
        }
    }

    /** An include's temperror, passed up unchanged. */
    private static final class Temporary extends Exception {
        Temporary() {
            super(null, null, false, false);
        }
    }

    private boolean matches(SpfRecord.Directive d, String domain)
            throws SpfRecord.PermError, DnsLookup.DnsException, Temporary {
        switch (d.mechanism()) {
            case ALL -> {
                return true;
            }
            case IP4, IP6 -> {
                return inNetwork(ip, d.network(), d.mechanism() == SpfRecord.Mechanism.IP4 ? d.cidr4() : d.cidr6());
            }
            case INCLUDE -> {
                countDnsTerm();
                Outcome included = checkHost(target(d, domain), false);
                return switch (included.result()) {
                    case PASS -> true;
                    case FAIL, SOFTFAIL, NEUTRAL -> false;
                    case TEMPERROR -> throw new Temporary();
                    case PERMERROR, NONE -> throw new SpfRecord.PermError("include of a domain without a valid record");
                };
            }
            case A -> {
                countDnsTerm();
                return anyInNetwork(addresses(target(d, domain)), d);
            }
            case MX -> {
                countDnsTerm();
                List<String> exchanges = dns.mx(target(d, domain));
                countVoid(exchanges.isEmpty());
                if (exchanges.size() > MAX_ADDRESS_LOOKUPS) {
                    throw new SpfRecord.PermError("more than 10 MX records");
                }
                for (String exchange : exchanges) {
                    if (anyInNetwork(dns.addresses(exchange, ip instanceof Inet6Address), d)) {
                        return true;
                    }
                }
                return false;
            }
            case PTR -> {
                countDnsTerm();
                String target = target(d, domain).toLowerCase(Locale.ROOT);
                for (String name : validatedNames()) {
                    String lower = name.toLowerCase(Locale.ROOT);
                    if (lower.equals(target) || lower.endsWith("." + target)) {
                        return true;
                    }
                }
                return false;
            }
            case EXISTS -> {
                countDnsTerm();
                List<InetAddress> found = dns.addresses(target(d, domain), false);
                countVoid(found.isEmpty());
                return !found.isEmpty();
            }
        }
        return false;
    }

    private List<InetAddress> addresses(String name) throws DnsLookup.DnsException, SpfRecord.PermError {
        List<InetAddress> found = dns.addresses(name, ip instanceof Inet6Address);
        countVoid(found.isEmpty());
        return found;
    }

    private boolean anyInNetwork(List<InetAddress> addresses, SpfRecord.Directive d) {
        int prefix = ip instanceof Inet4Address ? d.cidr4() : d.cidr6();
        return addresses.stream().anyMatch(a -> inNetwork(ip, a, prefix));
    }

    /** PTR names of the client that resolve back to it (§5.5), at most 10 tried. */
    private List<String> validatedNames() throws DnsLookup.DnsException {
        List<String> names = dns.ptr(ip);
        List<String> validated = new java.util.ArrayList<>();
        for (String name : names.subList(0, Math.min(names.size(), MAX_ADDRESS_LOOKUPS))) {
            try {
                if (dns.addresses(name, ip instanceof Inet6Address).stream().anyMatch(ip::equals)) {
                    validated.add(name);
                }
            } catch (DnsLookup.DnsException e) {
                // §5.5: a name whose lookup fails is skipped
            }
        }
        return validated;
    }

    private String target(SpfRecord.Directive d, String domain) throws SpfRecord.PermError, DnsLookup.DnsException {
        return d.domainSpec() == null ? domain : SpfMacros.expand(d.domainSpec(), context(domain), false);
    }

    private void countDnsTerm() throws SpfRecord.PermError {
        if (++dnsTerms > MAX_DNS_TERMS) {
            throw new SpfRecord.PermError("more than 10 DNS-querying terms");
        }
    }

    private void countVoid(boolean empty) throws SpfRecord.PermError {
        if (empty && ++voidLookups > MAX_VOID_LOOKUPS) {
            throw new SpfRecord.PermError("more than 2 void lookups");
        }
    }

    /** The exp= explanation (§6.2); any problem means no explanation, never a different result. */
    private String explain(SpfRecord record, String domain) {
        if (record.explanation() == null) {
            return null;
        }
        try {
            String target = SpfMacros.expand(record.explanation(), context(domain), false);
            List<String> texts = dns.txt(target);
            if (texts.size() != 1 || !texts.getFirst().chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
                return null; // §6.2: exactly one record, of printable US-ASCII
            }
            return SpfMacros.expand(texts.getFirst(), context(domain), true);
        } catch (SpfRecord.PermError | DnsLookup.DnsException | RuntimeException e) {
            return null;
        }
    }

    private SpfMacros.Context context(String domain) {
        return new SpfMacros.Context() {
            @Override
            public String sender() {
                return sender;
            }

            @Override
            public String domain() {
                return domain;
            }

            @Override
            public InetAddress ip() {
                return ip;
            }

            @Override
            public String helo() {
                return helo;
            }

            @Override
            public String validatedName() throws DnsLookup.DnsException {
                List<String> names = validatedNames();
                String lowerDomain = domain.toLowerCase(Locale.ROOT);
                return names.stream().filter(n -> n.equalsIgnoreCase(domain) || n.toLowerCase(Locale.ROOT).endsWith("." + lowerDomain))
                        .findFirst().orElse(names.isEmpty() ? "unknown" : names.getFirst());
            }
        };
    }

    static boolean inNetwork(InetAddress candidate, InetAddress network, int prefix) {
        byte[] a = candidate.getAddress();
        byte[] b = network.getAddress();
        if (a.length != b.length) {
            return false;
        }
        for (int bit = 0; bit < prefix; bit++) {
            int mask = 0x80 >> (bit % 8);
            if ((a[bit / 8] & mask) != (b[bit / 8] & mask)) {
                return false;
            }
        }
        return true;
    }

    /** §4.3: a multi-label domain whose labels are 1 to 63 characters. */
    static boolean isValidDomain(String domain) {
        String d = domain.endsWith(".") ? domain.substring(0, domain.length() - 1) : domain;
        if (d.isEmpty() || !d.contains(".") || d.length() > 253) {
            return false;
        }
        for (String label : d.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63) {
                return false;
            }
        }
        return true;
    }
}
