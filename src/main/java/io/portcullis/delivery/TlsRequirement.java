package io.portcullis.delivery;

import io.portcullis.delivery.dane.TlsaRecord;
import io.portcullis.smtp.Reply;
import java.util.List;

/**
 * What TLS one next hop must give before any mail goes to it, worked out from the destination's
 * level and, for DANE, from its validated DNS records.
 *
 * @param names   reference names: the host for {@code VERIFY}, the next-hop domain for
 *                {@code SECURE}, the TLSA base domain and next-hop domain for {@code DANE}
 * @param refusal when not null the hop must not be used at all (a DANE lookup failed, or
 *                {@code dane-only} found no TLSA records): the attempt defers with this reply
 */
record TlsRequirement(Kind kind, List<TlsaRecord> tlsa, List<String> names, Reply refusal) {
    /** MTA-STS is no kind of its own: {@link StsDestination} verifies before the level applies. */
    enum Kind { NONE, MAY, ENCRYPT, VERIFY, SECURE, DANE }

    TlsRequirement {
        tlsa = List.copyOf(tlsa);
        names = List.copyOf(names);
    }

    static TlsRequirement of(Kind kind, List<String> names) {
        return new TlsRequirement(kind, List.of(), names, null);
    }

    static TlsRequirement refused(Reply reply) {
        return new TlsRequirement(Kind.NONE, List.of(), List.of(), reply);
    }

    /**
     * May a connection opened for {@code other} carry mail that needs this? Only one opened under
     * the same requirement: a cached connection made at {@code may} must never serve a
     * destination that asks for DANE.
     */
    boolean admits(TlsRequirement other) {
        return equals(other);
    }
}
