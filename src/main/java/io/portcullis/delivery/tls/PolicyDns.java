package io.portcullis.delivery.tls;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Cache;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Lookup;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * The DNS questions of MTA-STS and TLS reporting: the TXT records at {@code _mta-sts.DOMAIN} and
 * {@code _smtp._tls.DOMAIN}, and the addresses of the policy and report servers. They go to the
 * configured resolver (the one MX lookups use), so the policy host is found the way the MX hosts
 * are, not through the JVM's own resolver. Answers are cached for their TTL.
 */
public final class PolicyDns {
    /** TXT records of one name, each with its strings joined (RFC 8461 §3.1, RFC 8460 §3). */
    public sealed interface TxtAnswer permits Texts, NoRecords, DnsFailure {
    }

    public record Texts(List<String> texts) implements TxtAnswer {
    }

    /** The name or the TXT type does not exist. */
    public record NoRecords() implements TxtAnswer {
    }

    /** The question could not be answered (timeout, SERVFAIL, REFUSED). */
    public record DnsFailure(String reason) implements TxtAnswer {
    }

    /** More TXT records than any sane publisher has; beyond it the rest are not read. */
    static final int MAX_TXT_RECORDS = 16;
    /** The longest joined TXT text read (several 255-octet strings). */
    static final int MAX_TXT_LENGTH = 4096;

    private final Resolver resolver;
    private final Cache cache = new Cache(DClass.IN);

    /** @param server the DNS server to ask, or null for the system's resolvers */
    public PolicyDns(InetSocketAddress server) {
        resolver = server == null ? new ExtendedResolver() : new SimpleResolver(server);
        resolver.setTimeout(Duration.ofSeconds(10));
        cache.setMaxEntries(10_000);
    }

    public TxtAnswer txt(String name) {
        Lookup lookup;
        try {
            lookup = lookup(name, Type.TXT);
        } catch (TextParseException e) {
            return new NoRecords();
        }
        Record[] records = lookup.run();
        return switch (lookup.getResult()) {
            case Lookup.SUCCESSFUL -> {
                List<String> texts = new ArrayList<>();
                for (Record record : records) {
                    if (record instanceof TXTRecord txt && texts.size() < MAX_TXT_RECORDS) {
                        StringBuilder joined = new StringBuilder();
                        for (String part : txt.getStrings()) {
                            joined.append(part);
                        }
                        if (joined.length() <= MAX_TXT_LENGTH) {
                            texts.add(joined.toString());
                        }
                    }
                }
                yield new Texts(texts);
            }
            case Lookup.HOST_NOT_FOUND, Lookup.TYPE_NOT_FOUND -> new NoRecords();
            default -> new DnsFailure(lookup.getErrorString());
        };
    }

    /** The A and AAAA addresses of {@code host}, IPv4 first; empty when it has none or DNS failed. */
    public List<InetAddress> addresses(String host) {
        List<InetAddress> addresses = new ArrayList<>();
        for (int type : new int[] {Type.A, Type.AAAA}) {
            try {
                Lookup lookup = lookup(host, type);
                Record[] records = lookup.run();
                if (lookup.getResult() == Lookup.SUCCESSFUL) {
                    for (Record record : records) {
                        if (record instanceof ARecord a) {
                            addresses.add(a.getAddress());
                        } else if (record instanceof AAAARecord aaaa) {
                            addresses.add(aaaa.getAddress());
                        }
                    }
                }
            } catch (TextParseException e) {
                return List.of();
            }
        }
        return addresses;
    }

    private Lookup lookup(String name, int type) throws TextParseException {
        Lookup lookup = new Lookup(Name.fromString(name.endsWith(".") ? name : name + "."), type);
        lookup.setResolver(resolver);
        lookup.setCache(cache);
        return lookup;
    }
}
