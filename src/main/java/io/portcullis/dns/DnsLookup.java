package io.portcullis.dns;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Message;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.ReverseMap;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * The DNS questions sender authentication asks, answered through dnsjava. An empty list means
 * the name does not exist or has no such records (RFC 7208's "void lookup"); a {@link DnsException}
 * means the answer could not be had (timeout, SERVFAIL), which callers turn into a temporary error.
 * The {@code lookup*} methods answer with an {@link Answer} that tells NXDOMAIN, NODATA and failure
 * apart, each lookup bounded by its own timeout (for checks with a time budget).
 */
public class DnsLookup {
    private static final int MAX_CNAME_CHAIN = 8;

    /** A lookup that failed for now: try again later. */
    public static final class DnsException extends Exception {
        public DnsException(String message) {
            super(message);
        }
    }

    private final Resolver resolver;

    /** @param server the DNS server to ask, or null for the system's (/etc/resolv.conf) */
    public DnsLookup(InetSocketAddress server, Duration timeout) {
        Resolver chosen;
        if (server == null) {
            chosen = new ExtendedResolver();
        } else {
            chosen = new SimpleResolver(server);
        }
        chosen.setTimeout(timeout);
        this.resolver = chosen;
    }

    /** Each TXT record's strings joined, as RFC 7208 §3.3 and RFC 6376 §3.6.2.2 ask. */
    public List<String> txt(String name) throws DnsException {
        List<String> texts = new ArrayList<>();
        for (Record record : query(name, Type.TXT)) {
            StringBuilder text = new StringBuilder();
            for (byte[] part : ((TXTRecord) record).getStringsAsByteArrays()) {
                text.append(new String(part, StandardCharsets.ISO_8859_1));
            }
            texts.add(text.toString());
        }
        return texts;
    }

    public List<InetAddress> addresses(String name, boolean ipv6) throws DnsException {
        List<InetAddress> addresses = new ArrayList<>();
        for (Record record : query(name, ipv6 ? Type.AAAA : Type.A)) {
            addresses.add(record instanceof ARecord a ? a.getAddress() : ((AAAARecord) record).getAddress());
        }
        return addresses;
    }

    /** The exchanges of the MX records, most preferred first. */
    public List<String> mx(String name) throws DnsException {
        List<MXRecord> records = new ArrayList<>();
        for (Record record : query(name, Type.MX)) {
            records.add((MXRecord) record);
        }
        records.sort(java.util.Comparator.comparingInt(MXRecord::getPriority));
        return records.stream().map(r -> relative(r.getTarget())).toList();
    }

    public List<String> ptr(InetAddress address) throws DnsException {
        List<String> names = new ArrayList<>();
        for (Record record : query(ReverseMap.fromAddress(address).toString(), Type.PTR)) {
            names.add(relative(((PTRRecord) record).getTarget()));
        }
        return names;
    }

    /** How a lookup ended: records, a name with none of that type, no such name, or no answer to be had. */
    public enum Outcome { FOUND, NO_DATA, NO_SUCH_DOMAIN, FAILED }

    /**
     * One lookup's answer with NXDOMAIN kept apart from NODATA and from a failure (timeout,
     * SERVFAIL, REFUSED), for checks that treat each differently (RFC 7372, Postfix's
     * reject_unknown_* checks).
     *
     * @param records empty unless {@link Outcome#FOUND}
     * @param failure why the lookup failed, or null
     */
    public record Answer<T>(Outcome outcome, List<T> records, String failure) {
        public Answer {
            records = List.copyOf(records);
        }

        public boolean failed() {
            return outcome == Outcome.FAILED;
        }
    }

    /** The A (or AAAA) records of {@code name}, the whole lookup (CNAMEs followed) within {@code timeout}. */
    public Answer<InetAddress> lookupAddresses(String name, boolean ipv6, Duration timeout) {
        return convert(answer(name, ipv6 ? Type.AAAA : Type.A, timeout),
                record -> record instanceof ARecord a ? a.getAddress() : ((AAAARecord) record).getAddress());
    }

    /**
     * The MX exchanges of {@code name}, most preferred first, within {@code timeout}; the root
     * (a null MX, RFC 7505) is the empty string.
     */
    public Answer<String> lookupMx(String name, Duration timeout) {
        Answer<Record> answer = answer(name, Type.MX, timeout);
        List<Record> sorted = new ArrayList<>(answer.records());
        sorted.sort(java.util.Comparator.comparingInt(record -> ((MXRecord) record).getPriority()));
        return convert(new Answer<>(answer.outcome(), sorted, answer.failure()), r -> relative(((MXRecord) r).getTarget()));
    }

    /** The PTR names of {@code address} (in-addr.arpa or ip6.arpa), within {@code timeout}. */
    public Answer<String> lookupPtr(InetAddress address, Duration timeout) {
        return convert(answer(ReverseMap.fromAddress(address).toString(), Type.PTR, timeout),
                record -> relative(((PTRRecord) record).getTarget()));
    }

    private static <T> Answer<T> convert(Answer<Record> answer, java.util.function.Function<Record, T> convert) {
        return new Answer<>(answer.outcome(), answer.records().stream().map(convert).toList(), answer.failure());
    }

    /** Like {@link #query}, but every outcome is an answer, and the whole lookup has one deadline. */
    private Answer<Record> answer(String name, int type, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Name current;
        try {
            current = Name.fromString(name.endsWith(".") ? name : name + ".");
        } catch (TextParseException e) {
            return new Answer<>(Outcome.NO_SUCH_DOMAIN, List.of(), null); // no such name can exist
        }
        for (int hop = 0; hop < MAX_CNAME_CHAIN; hop++) {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                return failed("DNS lookup of " + name + " timed out");
            }
            java.util.concurrent.CompletableFuture<Message> pending = resolver.sendAsync(
                    Message.newQuery(Record.newRecord(current, type, DClass.IN))).toCompletableFuture();
            Message response;
            try {
                response = pending.get(remaining, java.util.concurrent.TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                pending.cancel(true);
                return failed("DNS lookup of " + name + " timed out");
            } catch (java.util.concurrent.ExecutionException e) {
                return failed("DNS lookup of " + name + " failed: " + e.getCause().getMessage());
            } catch (InterruptedException e) {
                pending.cancel(true);
                Thread.currentThread().interrupt();
                return failed("DNS lookup of " + name + " interrupted");
            }
            int rcode = response.getRcode();
            if (rcode == Rcode.NXDOMAIN) {
                return new Answer<>(Outcome.NO_SUCH_DOMAIN, List.of(), null);
            }
            if (rcode != Rcode.NOERROR) {
                return failed("DNS lookup of " + name + " answered " + Rcode.string(rcode));
            }
            List<Record> matching = new ArrayList<>();
            Name alias = null;
            for (Record record : response.getSection(Section.ANSWER)) {
                if (record.getType() == type) {
                    matching.add(record);
                } else if (record instanceof CNAMERecord cname && cname.getName().equals(current)) {
                    alias = cname.getTarget();
                }
            }
            if (!matching.isEmpty()) {
                return new Answer<>(Outcome.FOUND, matching, null);
            }
            if (alias == null) {
                return new Answer<>(Outcome.NO_DATA, List.of(), null);
            }
            current = alias;
        }
        return failed("DNS lookup of " + name + " followed too many CNAMEs");
    }

    private static Answer<Record> failed(String why) {
        return new Answer<>(Outcome.FAILED, List.of(), why);
    }

    private static String relative(Name name) {
        String text = name.toString();
        return text.endsWith(".") ? text.substring(0, text.length() - 1) : text;
    }

    /** Records of {@code type}, following CNAMEs; empty for NXDOMAIN and for no such records. */
    private List<Record> query(String name, int type) throws DnsException {
        Name current;
        try {
            current = Name.fromString(name.endsWith(".") ? name : name + ".");
        } catch (TextParseException e) {
            return List.of(); // not a valid domain name: nothing can exist there
        }
        for (int hop = 0; hop < MAX_CNAME_CHAIN; hop++) {
            Message response;
            try {
                response = resolver.send(Message.newQuery(Record.newRecord(current, type, DClass.IN)));
            } catch (IOException e) {
                throw new DnsException("DNS lookup of " + name + " failed: " + e.getMessage());
            }
            int rcode = response.getRcode();
            if (rcode == Rcode.NXDOMAIN) {
                return List.of();
            }
            if (rcode != Rcode.NOERROR) {
                throw new DnsException("DNS lookup of " + name + " answered " + Rcode.string(rcode));
            }
            List<Record> matching = new ArrayList<>();
            Name alias = null;
            for (Record record : response.getSection(Section.ANSWER)) {
                if (record.getType() == type) {
                    matching.add(record);
                } else if (record instanceof CNAMERecord cname && cname.getName().equals(current)) {
                    alias = cname.getTarget();
                }
            }
            if (!matching.isEmpty() || alias == null) {
                return matching;
            }
            current = alias;
        }
        throw new DnsException("DNS lookup of " + name + " followed too many CNAMEs");
    }
}
