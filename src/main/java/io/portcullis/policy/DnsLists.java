package io.portcullis.policy;

import io.portcullis.config.DnsListSettings;
import io.portcullis.config.Phase;
import io.portcullis.dns.DnsListLookup;
import io.portcullis.observe.Telemetry;
import io.portcullis.smtp.Reply;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The part the DNS list checks share: ask every zone about some names at once, sum the weights of
 * the entries whose filter matches an answer (postscreen's scoring: a block list adds, an allow list
 * with a negative weight subtracts), count each query per zone, and turn the sum into a verdict.
 *
 * <p>Only answers in 127.0.0.0/8 count. Others (a resolver that answers every name with its own
 * address) and 127.255.255.0/24 (Spamhaus and others: "query refused", "too many queries from your
 * resolver") are ignored, logged once per zone, and make that zone's answer an error: the zone is
 * skipped, never taken as a listing.
 */
final class DnsLists {
    private static final Logger log = LoggerFactory.getLogger(DnsLists.class);

    /** An entry that listed a name: the zone entry and what was looked up (an address or a domain). */
    record Listing(DnsListSettings.Zone zone, String subject) {
    }

    /**
     * What the zones said: the sum of the listing entries' weights, the listings (highest weight
     * first), and the zones that gave no usable answer (timeout, error, refused).
     */
    record Outcome(double sum, List<Listing> listings, Set<String> failedZones) {
        Listing top() {
            return listings.isEmpty() ? null : listings.getFirst();
        }
    }

    private final String check;
    private final DnsListSettings settings;
    private final DnsListLookup lookup;
    private final Telemetry telemetry;
    private final List<String> distinctZones;
    private final Set<String> warnedZones = ConcurrentHashMap.newKeySet();

    DnsLists(String check, DnsListSettings settings, PhaseChecks.Services services) {
        this.check = check;
        this.settings = settings;
        this.lookup = new DnsListLookup(services.dnsServer(), settings.timeout(), settings.cacheSize(), settings.maxTtl(),
                settings.negativeTtl(), services.clock(), services.dnsListAnswers());
        this.telemetry = services.telemetry();
        Set<String> zones = new LinkedHashSet<>();
        settings.zones().forEach(zone -> zones.add(zone.zone()));
        this.distinctZones = List.copyOf(zones); // in the order written: equal weights name the first
    }

    DnsListSettings settings() {
        return settings;
    }

    /**
     * Asks each zone about each subject ({@code 2.0.0.127}, {@code example.com}) within the one
     * budget, and sums the weights of the entries that list a subject.
     */
    Outcome query(List<String> subjects) {
        Map<String, String[]> names = new LinkedHashMap<>(); // query name -> {subject, zone}
        for (String subject : subjects) {
            for (String zone : distinctZones) {
                names.put(subject + "." + zone, new String[] {subject, zone});
            }
        }
        Map<String, DnsListLookup.Result> results = lookup.lookup(names.keySet());
        double sum = 0;
        List<Listing> listings = new ArrayList<>();
        Set<String> failed = new LinkedHashSet<>();
        for (Map.Entry<String, String[]> name : names.entrySet()) {
            String subject = name.getValue()[0];
            String zone = name.getValue()[1];
            DnsListLookup.Result result = results.get(name.getKey());
            List<InetAddress> answers = usable(zone, result.answer());
            String counted;
            if (answers == null) {
                failed.add(zone);
                counted = result.answer().status() == DnsListLookup.Status.TIMEOUT ? "timeout" : "error";
            } else {
                counted = "clear";
                for (DnsListSettings.Zone entry : settings.zones()) {
                    if (entry.zone().equals(zone) && answers.stream().anyMatch(entry::matches)) {
                        sum += entry.weight();
                        listings.add(new Listing(entry, subject));
                        counted = "listed";
                    }
                }
            }
            if (result.asked()) {
                telemetry.dnsListLookup(check, zone, counted);
            }
        }
        listings.sort((a, b) -> Double.compare(b.zone().weight(), a.zone().weight()));
        return new Outcome(sum, List.copyOf(listings), java.util.Collections.unmodifiableSet(failed));
    }

    /** The answers that count (in 127/8, not 127.255.255/24); none for "not listed"; null when the zone failed. */
    private List<InetAddress> usable(String zone, DnsListLookup.Answer answer) {
        return switch (answer.status()) {
            case NOT_FOUND -> List.of();
            case TIMEOUT, ERROR -> null;
            case FOUND -> {
                List<InetAddress> usable = new ArrayList<>();
                for (InetAddress address : answer.addresses()) {
                    byte[] octets = address.getAddress();
                    boolean refused = octets.length == 4 && (octets[1] & 0xff) == 255 && (octets[2] & 0xff) == 255;
                    if (octets.length == 4 && (octets[0] & 0xff) == 127 && !refused) {
                        usable.add(address);
                    } else if (warnedZones.add(zone)) {
                        log.warn("{}: the DNS list {} answered {}, which is no listing ({}); such answers are ignored and"
                                + " the zone skipped (this is logged once)", check, zone, address.getHostAddress(),
                                refused ? "the list refuses queries from this resolver, or too many were sent"
                                        : "not in 127.0.0.0/8: a resolver that rewrites answers?");
                    }
                }
                yield usable.isEmpty() ? null : usable;
            }
        };
    }

    /**
     * The verdict for an outcome: allow-listed when the sum is at most {@code allow-threshold}
     * (and something listed), the action when it reaches {@code threshold}, a skip when zones failed
     * and the rest did not decide, else accept. {@code refusal} gives the refusal's reply (5xx for
     * reject, 4xx for tempfail) for the top listing.
     */
    Verdict decide(Outcome outcome, Phase phase, String reason, java.util.function.BiFunction<Listing, Boolean, Reply> refusal) {
        Listing top = outcome.top();
        if (top != null && outcome.sum() <= settings.allowThreshold()) {
            return new Verdict.Allow("listed by " + outcome.listings().getLast().zone().zone() + " (sum "
                    + format(outcome.sum()) + ")");
        }
        if (top != null && outcome.sum() >= settings.threshold()) {
            String why = top.subject() + " listed by " + describe(outcome);
            return switch (settings.action()) {
                case REJECT -> phase == Phase.CONNECT ? new Verdict.Disconnect(refusal.apply(top, true), reason)
                        : new Verdict.Reject(refusal.apply(top, true), reason);
                case TEMPFAIL -> new Verdict.Tempfail(refusal.apply(top, false), reason);
                case SCORE -> new Verdict.Score(outcome.sum(), why);
                case LOG -> new Verdict.Warn(why);
            };
        }
        if (!outcome.failedZones().isEmpty()) {
            return new Verdict.Skip("no usable answer from " + String.join(", ", outcome.failedZones())
                    + (top == null ? "" : "; sum of the others " + format(outcome.sum())));
        }
        return Verdict.ACCEPT;
    }

    private static String describe(Outcome outcome) {
        List<String> parts = new ArrayList<>();
        for (Listing listing : outcome.listings()) {
            parts.add(listing.zone().zone() + "*" + format(listing.zone().weight()));
        }
        return String.join(", ", parts) + " (sum " + format(outcome.sum()) + ")";
    }

    private static String format(double number) {
        return number == Math.rint(number) ? Long.toString((long) number) : Double.toString(number);
    }

    /** A catalogue reply with its {@code %s} places filled. */
    static Reply formatted(Reply reply, Object... values) {
        return reply.withText(String.format(Locale.ROOT, reply.lines().getFirst(), values));
    }
}
