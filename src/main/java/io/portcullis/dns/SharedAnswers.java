package io.portcullis.dns;

import java.util.Collection;
import java.util.Map;

/**
 * DNS list answers shared by several gateway nodes (Redis, {@code shared-state.dnsbl-cache}), so a
 * name one node asked is not asked again by the others while its TTL lasts. Only definite answers
 * (listed, not listed) are shared, with the TTL the DNS gave (bounded by the check's max-ttl).
 * A store that cannot answer returns nothing: the DNS is asked, as without it.
 */
public interface SharedAnswers {

    /** An answer and how much longer it counts. */
    record Shared(DnsListLookup.Answer answer, long ttlMillis) {
    }

    /** The shared answers among {@code names} (one round trip for all), by name; names without one are absent. */
    Map<String, Shared> get(Collection<String> names);

    /** Shares an answer the DNS gave; called off the resolver's threads. */
    void put(String name, DnsListLookup.Answer answer, long ttlMillis);
}
