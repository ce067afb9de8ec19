package io.portcullis.redis;

import io.portcullis.dns.DnsListLookup;
import io.portcullis.dns.SharedAnswers;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * DNS list answers in Redis: one key per name (hashed), the answer as text ("N" for not listed,
 * "F" and the addresses for listed), expiring with the TTL the DNS gave. A lookup reads all its
 * names in one script call (value and remaining TTL of each). When Redis cannot answer, the DNS is
 * asked (whatever {@code on-failure} says: the DNS is the source of truth, Redis only saves queries).
 */
final class RedisDnsAnswers implements SharedAnswers {
    static final String FEATURE = "dnsbl-cache";
    /** KEYS: names; returns per key its value (false when none) and its remaining TTL in ms. */
    static final RedisScript READ = RedisScript.of("""
            local out = {}
            for i, key in ipairs(KEYS) do
              out[2 * i - 1] = redis.call('GET', key)
              out[2 * i] = redis.call('PTTL', key)
            end
            return out
            """);
    /** Listed answers hold at most this many addresses (a DNS list gives one or a few). */
    private static final int MAX_ADDRESSES = 16;

    private final RedisConnection redis;

    RedisDnsAnswers(RedisConnection redis) {
        this.redis = redis;
    }

    @Override
    public Map<String, Shared> get(Collection<String> names) {
        List<String> list = List.copyOf(names);
        List<String> keys = list.stream().map(name -> redis.key("dnsbl", name)).toList();
        List<?> values;
        try {
            values = redis.call(FEATURE, jedis -> {
                List<?> answer = (List<?>) RedisConnection.eval(jedis, READ, keys, List.of());
                if (answer.size() != 2 * list.size()) {
                    throw new IndexOutOfBoundsException(answer.size() + " values for " + list.size() + " names");
                }
                return answer;
            });
        } catch (RedisUnavailableException e) {
            return Map.of();
        }
        Map<String, Shared> known = new LinkedHashMap<>();
        for (int i = 0; i < list.size(); i++) {
            Object value = values.get(2 * i);
            long ttl = values.get(2 * i + 1) instanceof Long l ? l : 0;
            DnsListLookup.Answer answer = value instanceof String text ? parse(text)
                    : value instanceof byte[] bytes ? parse(new String(bytes, java.nio.charset.StandardCharsets.US_ASCII)) : null;
            if (answer != null && ttl > 0) {
                known.put(list.get(i), new Shared(answer, ttl));
            }
        }
        return known;
    }

    @Override
    public void put(String name, DnsListLookup.Answer answer, long ttlMillis) {
        StringBuilder text = new StringBuilder(answer.status() == DnsListLookup.Status.FOUND ? "F" : "N");
        answer.addresses().stream().limit(MAX_ADDRESSES).forEach(a -> text.append(' ').append(a.getHostAddress()));
        try {
            redis.call(FEATURE, jedis -> jedis.psetex(redis.key("dnsbl", name), ttlMillis, text.toString()));
        } catch (RedisUnavailableException e) {
            // the next lookup asks the DNS
        }
    }

    /** An answer from its stored text; null for anything else. */
    static DnsListLookup.Answer parse(String text) {
        String[] fields = text.split(" ");
        if (fields[0].equals("N") && fields.length == 1) {
            return new DnsListLookup.Answer(DnsListLookup.Status.NOT_FOUND, List.of(), null);
        }
        if (!fields[0].equals("F") || fields.length < 2 || fields.length > MAX_ADDRESSES + 1) {
            return null;
        }
        List<InetAddress> addresses = new ArrayList<>();
        for (int i = 1; i < fields.length; i++) {
            if (!fields[i].matches("[0-9.]{7,15}")) {
                return null; // only IPv4 literals: never a name that would make a DNS query
            }
            try {
                addresses.add(InetAddress.getByName(fields[i]));
            } catch (UnknownHostException e) {
                return null;
            }
        }
        return new DnsListLookup.Answer(DnsListLookup.Status.FOUND, List.copyOf(addresses), null);
    }
}
