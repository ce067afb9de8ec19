package io.portcullis.delivery;

import io.portcullis.smtp.Replies;
import io.portcullis.smtp.Reply;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Cache;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Lookup;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * Finds where mail for a domain goes (RFC 5321 §5.1): its MX hosts by preference (equal
 * preferences shuffled), the implicit MX (the domain's own A/AAAA) when it has none, and the null
 * MX of RFC 7505. Answers are cached for their TTL by dnsjava's cache. Results are values, never
 * exceptions: {@link Hosts} or {@link Failure} carrying the reply to record.
 */
final class MxResolver {

    sealed interface Result permits Hosts, Failure {
    }

    /** Hosts in the order to try them; each with its addresses. */
    record Hosts(List<Host> hosts) implements Result {
    }

    record Host(String name, List<InetAddress> addresses) {
    }

    record Failure(Reply reply) implements Result {
    }

    private final Resolver resolver;
    private final Cache cache = new Cache(DClass.IN);

    /** @param server a DNS server to ask, or null for the system's resolvers (/etc/resolv.conf) */
    MxResolver(InetSocketAddress server) {
        if (server == null) {
            resolver = new ExtendedResolver();
        } else {
            SimpleResolver simple = new SimpleResolver(server);
            resolver = simple;
        }
        resolver.setTimeout(Duration.ofSeconds(10));
    }

    Result resolve(String domain) {
        Name name;
        try {
            name = Name.fromString(domain.endsWith(".") ? domain : domain + ".");
        } catch (TextParseException e) {
            return new Failure(Replies.DOMAIN_NOT_FOUND);
        }
        Lookup mx = lookup(name, Type.MX);
        Record[] records = mx.run();
        switch (mx.getResult()) {
            case Lookup.SUCCESSFUL -> {
                return mxHosts(records);
            }
            case Lookup.HOST_NOT_FOUND -> {
                return new Failure(Replies.DOMAIN_NOT_FOUND);
            }
            case Lookup.TYPE_NOT_FOUND -> {
                // No MX: the domain itself is the implicit MX (RFC 5321 §5.1).
                List<InetAddress> addresses = new ArrayList<>();
                Failure failure = addresses(name, addresses);
                if (failure != null) {
                    return failure;
                }
                return addresses.isEmpty() ? new Failure(Replies.NO_ADDRESS)
                        : new Hosts(List.of(new Host(domain, addresses)));
            }
            default -> {
                return new Failure(Replies.DNS_TEMPORARY.append("(" + mx.getErrorString() + ")"));
            }
        }
    }

    private Result mxHosts(Record[] records) {
        List<MXRecord> mxs = new ArrayList<>();
        for (Record record : records) {
            if (record instanceof MXRecord mxRecord) {
                mxs.add(mxRecord);
            }
        }
        if (mxs.size() == 1 && mxs.getFirst().getTarget().equals(Name.root)) {
            return new Failure(Replies.NULL_MX);
        }
        mxs.removeIf(record -> record.getTarget().equals(Name.root));
        // Equal preferences in random order, so load spreads as RFC 5321 §5.1 asks.
        mxs.sort(Comparator.comparingInt(MXRecord::getPriority)
                .thenComparingInt(record -> ThreadLocalRandom.current().nextInt()));
        List<Host> hosts = new ArrayList<>();
        boolean temporaryFailure = false;
        for (MXRecord record : mxs) {
            List<InetAddress> addresses = new ArrayList<>();
            Failure failure = addresses(record.getTarget(), addresses);
            temporaryFailure |= failure != null && failure.reply().isTransient();
            if (!addresses.isEmpty()) {
                hosts.add(new Host(record.getTarget().toString(true), addresses));
            }
        }
        if (hosts.isEmpty()) {
            return new Failure(temporaryFailure ? Replies.DNS_TEMPORARY : Replies.NO_ADDRESS);
        }
        return new Hosts(hosts);
    }

    /** A and AAAA of {@code name} into {@code into}; a failure only when the lookups could not answer. */
    private Failure addresses(Name name, List<InetAddress> into) {
        boolean temporary = false;
        for (int type : new int[] {Type.A, Type.AAAA}) {
            Lookup lookup = lookup(name, type);
            Record[] records = lookup.run();
            if (lookup.getResult() == Lookup.SUCCESSFUL) {
                for (Record record : records) {
                    if (record instanceof ARecord a) {
                        into.add(a.getAddress());
                    } else if (record instanceof AAAARecord aaaa) {
                        into.add(aaaa.getAddress());
                    }
                }
            } else if (lookup.getResult() == Lookup.TRY_AGAIN || lookup.getResult() == Lookup.UNRECOVERABLE) {
                temporary = true;
            }
        }
        return temporary && into.isEmpty() ? new Failure(Replies.DNS_TEMPORARY) : null;
    }

    private Lookup lookup(Name name, int type) {
        Lookup lookup = new Lookup(name, type);
        lookup.setResolver(resolver);
        lookup.setCache(cache);
        return lookup;
    }

    /** Resolves a smarthost name (or literal) to its addresses; empty when it has none. */
    List<InetAddress> hostAddresses(String host) {
        try {
            if (host.contains(":") || host.matches("[0-9.]+")) {
                return List.of(InetAddress.getByName(host.contains(":") ? "[" + host + "]" : host));
            }
            List<InetAddress> addresses = new ArrayList<>();
            addresses(Name.fromString(host.endsWith(".") ? host : host + "."), addresses);
            return addresses;
        } catch (UnknownHostException | TextParseException e) {
            return List.of();
        }
    }
}
