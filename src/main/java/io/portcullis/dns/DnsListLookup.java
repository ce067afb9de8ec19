package io.portcullis.dns;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * The A records of DNS list names ({@code 2.0.0.127.zen.example}, {@code example.com.dbl.example}),
 * asked all at once (dnsjava's asynchronous queries) within one time budget for the whole set, and
 * kept in a bounded cache for their TTL (at most {@code maxTtl}); "no such name" is kept for the SOA
 * minimum of the answer's authority section, or {@code negativeTtl} when it has none. Failures and
 * timeouts are not kept. A name asked while a query for it is under way waits for that query rather
 * than sending another. With {@link SharedAnswers} (several nodes), a name is looked up there
 * first (one round trip for all the names of a call) and definite DNS answers are shared with their
 * TTL. Thread-safe; shared by every session of the checks that own it.
 */
public final class DnsListLookup {

    /** What the DNS said about a name. */
    public enum Status {
        /** A records: the addresses. */
        FOUND,
        /** NXDOMAIN, or no A record. */
        NOT_FOUND,
        /** No answer within the budget. */
        TIMEOUT,
        /** SERVFAIL, REFUSED, a network error. */
        ERROR
    }

    /** An answer: {@code addresses} for {@link Status#FOUND}; {@code detail} says what failed. */
    public record Answer(Status status, List<InetAddress> addresses, String detail) {
        static final Answer NOT_FOUND = new Answer(Status.NOT_FOUND, List.of(), null);
        static final Answer TIMEOUT = new Answer(Status.TIMEOUT, List.of(), "no answer in time");
    }

    /**
     * One name's answer, and whether this call sent the query (false: the cache answered, or a query
     * another caller had sent), so that counters count each query once.
     */
    public record Result(Answer answer, boolean asked) {
    }

    private static final class Pending {
        final CompletableFuture<Answer> answer = new CompletableFuture<>();
        final long startedAt;
        volatile long expiresAt = Long.MAX_VALUE;

        Pending(long startedAt) {
            this.startedAt = startedAt;
        }
    }

    private final Resolver resolver;
    private final Duration timeout;
    private final int cacheSize;
    private final long maxTtlMillis;
    private final long negativeTtlMillis;
    private final Clock clock;
    private final LinkedHashMap<String, Pending> cache;
    private final SharedAnswers shared;

    /** @param server the DNS server to ask, or null for the system's (/etc/resolv.conf) */
    public DnsListLookup(InetSocketAddress server, Duration timeout, int cacheSize, Duration maxTtl, Duration negativeTtl,
                         Clock clock) {
        this(server, timeout, cacheSize, maxTtl, negativeTtl, clock, null);
    }

    /** @param shared answers shared with other nodes, asked before the DNS; null for none */
    public DnsListLookup(InetSocketAddress server, Duration timeout, int cacheSize, Duration maxTtl, Duration negativeTtl,
                         Clock clock, SharedAnswers shared) {
        this.shared = shared;
        this.resolver = server == null ? new ExtendedResolver() : new SimpleResolver(server);
        this.resolver.setTimeout(timeout);
        this.timeout = timeout;
        this.cacheSize = cacheSize;
        this.maxTtlMillis = maxTtl.toMillis();
        this.negativeTtlMillis = negativeTtl.toMillis();
        this.clock = clock;
        this.cache = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Pending> eldest) {
                return size() > DnsListLookup.this.cacheSize;
            }
        };
    }

    /**
     * The answers for {@code names} (absolute, without the final dot), waiting at most the budget
     * for all of them together; a name not answered by then is {@link Status#TIMEOUT}.
     */
    public Map<String, Result> lookup(Collection<String> names) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, Pending> entries = new LinkedHashMap<>();
        Map<String, Boolean> asked = new LinkedHashMap<>();
        Map<String, Pending> toAsk = new LinkedHashMap<>();
        for (String name : names) {
            if (entries.containsKey(name)) {
                continue;
            }
            Pending entry;
            boolean mine = false;
            long now = clock.millis();
            synchronized (cache) {
                entry = cache.get(name);
                if (entry == null || isStale(entry, now)) {
                    entry = new Pending(now);
                    mine = true;
                    if (cacheSize > 0) {
                        cache.put(name, entry);
                    }
                }
            }
            if (mine) {
                toAsk.put(name, entry);
            }
            entries.put(name, entry);
            asked.put(name, mine);
        }
        Map<String, SharedAnswers.Shared> known = shared == null || toAsk.isEmpty() ? Map.of() : shared.get(toAsk.keySet());
        toAsk.forEach((name, entry) -> {
            SharedAnswers.Shared answer = known.get(name);
            if (answer == null) {
                send(name, entry);
            } else {
                asked.put(name, false); // another node asked it
                finish(name, entry, answer.answer(), Math.min(maxTtlMillis, answer.ttlMillis()), false);
            }
        });
        Map<String, Result> results = new LinkedHashMap<>();
        for (Map.Entry<String, Pending> entry : entries.entrySet()) {
            results.put(entry.getKey(), new Result(await(entry.getValue(), deadline), asked.get(entry.getKey())));
        }
        return results;
    }

    private boolean isStale(Pending entry, long now) {
        if (!entry.answer.isDone()) {
            return now - entry.startedAt > 2 * timeout.toMillis(); // a query that never ended: ask again
        }
        return now >= entry.expiresAt;
    }

    private static Answer await(Pending entry, long deadline) {
        try {
            return entry.answer.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return Answer.TIMEOUT;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Answer.TIMEOUT;
        } catch (ExecutionException e) {
            return new Answer(Status.ERROR, List.of(), String.valueOf(e.getCause()));
        }
    }

    private void send(String name, Pending entry) {
        Name query;
        try {
            query = Name.fromString(name + ".");
        } catch (TextParseException e) {
            finish(name, entry, Answer.NOT_FOUND, 0); // no such name can exist (too long, bad label)
            return;
        }
        resolver.sendAsync(Message.newQuery(Record.newRecord(query, Type.A, DClass.IN))).whenComplete((response, failure) -> {
            if (failure != null) {
                Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                boolean timedOut = cause instanceof SocketTimeoutException || cause instanceof TimeoutException;
                finish(name, entry, timedOut ? Answer.TIMEOUT : new Answer(Status.ERROR, List.of(), cause.toString()), 0);
                return;
            }
            int rcode = response.getRcode();
            if (rcode == Rcode.NXDOMAIN) {
                finish(name, entry, Answer.NOT_FOUND, negativeTtl(response));
                return;
            }
            if (rcode != Rcode.NOERROR) {
                finish(name, entry, new Answer(Status.ERROR, List.of(), "answered " + Rcode.string(rcode)), 0);
                return;
            }
            List<InetAddress> addresses = new ArrayList<>();
            long ttl = maxTtlMillis;
            for (Record record : response.getSection(Section.ANSWER)) {
                if (record instanceof ARecord a) {
                    addresses.add(a.getAddress());
                    ttl = Math.min(ttl, record.getTTL() * 1000);
                }
            }
            if (addresses.isEmpty()) {
                finish(name, entry, Answer.NOT_FOUND, negativeTtl(response));
            } else {
                finish(name, entry, new Answer(Status.FOUND, List.copyOf(addresses), null), ttl);
            }
        });
    }

    /** RFC 2308 §5: the smaller of the SOA's TTL and its minimum field; our default without a SOA. */
    private long negativeTtl(Message response) {
        for (Record record : response.getSection(Section.AUTHORITY)) {
            if (record instanceof SOARecord soa) {
                return Math.min(maxTtlMillis, Math.min(soa.getTTL(), soa.getMinimum()) * 1000);
            }
        }
        return Math.min(maxTtlMillis, negativeTtlMillis);
    }

    private void finish(String name, Pending entry, Answer answer, long ttlMillis) {
        finish(name, entry, answer, ttlMillis, true);
    }

    private void finish(String name, Pending entry, Answer answer, long ttlMillis, boolean fromDns) {
        if (fromDns && shared != null && ttlMillis > 0 && (answer.status() == Status.FOUND || answer.status() == Status.NOT_FOUND)) {
            Thread.ofVirtual().start(() -> shared.put(name, answer, ttlMillis)); // never block the resolver's thread
        }
        if (ttlMillis > 0) {
            entry.expiresAt = clock.millis() + ttlMillis;
        } else {
            synchronized (cache) {
                cache.remove(name, entry);
            }
        }
        entry.answer.complete(answer);
    }

    /**
     * The name a DNS list is asked under for {@code address}: reversed octets for IPv4
     * ({@code 2.0.0.127}), reversed nibbles for IPv6 (32 labels); an IPv4-mapped IPv6 address as IPv4.
     */
    public static String reversed(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (address instanceof Inet6Address && isMappedIpv4(bytes)) {
            bytes = java.util.Arrays.copyOfRange(bytes, 12, 16);
        }
        StringBuilder name = new StringBuilder(64);
        if (bytes.length == 4) {
            for (int i = 3; i >= 0; i--) {
                name.append(bytes[i] & 0xff).append(i == 0 ? "" : ".");
            }
            return name.toString();
        }
        for (int i = bytes.length - 1; i >= 0; i--) {
            name.append(Character.forDigit(bytes[i] & 0xf, 16)).append('.')
                    .append(Character.forDigit((bytes[i] >> 4) & 0xf, 16)).append(i == 0 ? "" : ".");
        }
        return name.toString();
    }

    private static boolean isMappedIpv4(byte[] bytes) {
        for (int i = 0; i < 10; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return (bytes[10] & 0xff) == 0xff && (bytes[11] & 0xff) == 0xff;
    }
}
