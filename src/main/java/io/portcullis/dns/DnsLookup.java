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
