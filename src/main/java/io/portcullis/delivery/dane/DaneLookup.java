package io.portcullis.delivery.dane;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.ExtendedResolver;
import org.xbill.DNS.dnssec.ValidatingResolver;
import org.xbill.DNS.TLSARecord;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * The DNSSEC facts DANE needs (RFC 7672 §2.2). By default from a validating resolver on loopback
 * whose AD bit (RFC 4035 §3.2.3, asked for with AD and DO set as RFC 6840 §5.7 allows) says an
 * answer was validated. The resolver must be on this host: an AD bit that crossed a network is
 * worth no more than the answer it came with. Or, with configured trust anchors, validated in
 * process by dnsjava; that needs the anchors kept current by hand (RFC 5011 rollovers), which a
 * local unbound does by itself, so it is not the default.
 *
 * <p>Each method answers with a value, never an exception: a lookup that could not be answered
 * (SERVFAIL, which is also what a validating resolver says for bogus data, or a timeout) is a
 * failure the caller defers on; only an answer that says "no records" counts as none.
 */
public final class DaneLookup {
    /** Whether the MX RRset (or the proof that there is none) was validated. */
    public enum Security { SECURE, INSECURE, FAILED }

    /** What the TLSA lookup for one MX host found. */
    public sealed interface Tlsa permits Secure, Insecure, Failed {
    }

    /** Validated TLSA records: {@code usable} may be empty when every record was unusable (then TLS without authentication). */
    public record Secure(List<TlsaRecord> usable, int total) implements Tlsa {
        public Secure {
            usable = List.copyOf(usable);
        }
    }

    /** No DANE for this host: no TLSA records, or nothing validated on the way to them. */
    public record Insecure(String why) implements Tlsa {
    }

    /** The lookup could not be answered: defer, never downgrade. */
    public record Failed(String why) implements Tlsa {
    }

    private record Answer(int rcode, boolean authenticated, List<Record> records) {
        boolean failed() {
            return rcode != Rcode.NOERROR && rcode != Rcode.NXDOMAIN;
        }
    }

    private final Resolver resolver;
    private final boolean inProcess;

    private DaneLookup(Resolver resolver, boolean inProcess) {
        this.resolver = resolver;
        this.inProcess = inProcess;
        resolver.setTimeout(Duration.ofSeconds(10));
    }

    /** Trusts the AD bit of {@code server}, a validating resolver that must be on loopback. */
    public static DaneLookup trustingResolver(InetSocketAddress server) {
        if (!server.getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException("DANE trusts only a resolver on loopback, not " + server);
        }
        return new DaneLookup(new SimpleResolver(server), false);
    }

    /**
     * Validates in process with dnsjava's {@link ValidatingResolver} from the DS or DNSKEY records
     * in {@code trustAnchors} (zone-file lines), asking {@code server} (or the system's resolvers
     * when null) for the records and their signatures. The anchors are the administrator's to
     * keep current: a root key rollover (RFC 5011) is not followed.
     */
    public static DaneLookup validating(InetSocketAddress server, Path trustAnchors) throws IOException {
        Resolver upstream = server == null ? new ExtendedResolver() : new SimpleResolver(server);
        ValidatingResolver validating = new ValidatingResolver(upstream);
        try (InputStream in = Files.newInputStream(trustAnchors)) {
            validating.loadTrustAnchors(in);
        }
        if (validating.getTrustAnchors().items().isEmpty()) {
            throw new IOException(trustAnchors + ": no DS or DNSKEY records to use as trust anchors");
        }
        return new DaneLookup(validating, true);
    }

    /** Was the domain's MX RRset, or the proof that it has none (implicit MX), validated? */
    public Security mx(String domain) {
        Answer answer = query(domain, Type.MX);
        if (answer.failed()) {
            return Security.FAILED;
        }
        return answer.authenticated() ? Security.SECURE : Security.INSECURE;
    }

    /**
     * The TLSA records at {@code _port._tcp.host} (RFC 7672 §2.2.3), used only when the host's
     * address records are validated too (§2.2.2: an insecure host name gets no DANE).
     */
    public Tlsa tlsa(String host, int port) {
        Answer address = query(host, Type.A);
        if (!address.failed() && address.records().isEmpty()) {
            address = query(host, Type.AAAA);
        }
        if (address.failed()) {
            return new Failed("address lookup of " + host + " failed (" + Rcode.string(address.rcode()) + ")");
        }
        if (!address.authenticated()) {
            return new Insecure("the address records of " + host + " are not DNSSEC-validated");
        }
        String name = "_" + port + "._tcp." + host;
        Answer answer = query(name, Type.TLSA);
        if (answer.failed()) {
            return new Failed("TLSA lookup of " + name + " failed (" + Rcode.string(answer.rcode()) + ")");
        }
        if (answer.records().isEmpty()) {
            return new Insecure("no TLSA records at " + name);
        }
        if (!answer.authenticated()) {
            return new Insecure("the TLSA records at " + name + " are not DNSSEC-validated");
        }
        List<TlsaRecord> usable = new ArrayList<>();
        for (Record record : answer.records()) {
            TLSARecord tlsa = (TLSARecord) record;
            TlsaRecord parsed = new TlsaRecord(tlsa.getCertificateUsage(), tlsa.getSelector(), tlsa.getMatchingType(),
                    tlsa.getCertificateAssociationData());
            if (parsed.usable()) {
                usable.add(parsed);
            }
        }
        return new Secure(usable, answer.records().size());
    }

    private Answer query(String host, int type) {
        try {
            String absolute = host.toLowerCase(Locale.ROOT).endsWith(".") ? host : host + ".";
            Message query = Message.newQuery(Record.newRecord(Name.fromString(absolute), type, DClass.IN));
            if (!inProcess) {
                query.getHeader().setFlag(Flags.AD);
                query.addRecord(new OPTRecord(1232, 0, 0, ExtendedFlags.DO), Section.ADDITIONAL);
            }
            Message response = resolver.send(query);
            List<Record> records = new ArrayList<>();
            for (Record record : response.getSection(Section.ANSWER)) {
                if (record.getType() == type) {
                    records.add(record);
                }
            }
            return new Answer(response.getRcode(), response.getHeader().getFlag(Flags.AD), records);
        } catch (TextParseException e) {
            return new Answer(Rcode.FORMERR, false, List.of());
        } catch (IOException e) {
            return new Answer(Rcode.SERVFAIL, false, List.of());
        }
    }
}
