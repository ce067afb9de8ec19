package io.portcullis.content.authentication;

import io.portcullis.dns.DnsLookup;
import com.google.common.net.InternetDomainName;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * DMARC (RFC 7489): the policy of the From: domain (or of its organizational domain, by the
 * Public Suffix List), and whether an SPF or a DKIM pass is aligned with the From: domain.
 */
public final class Dmarc {
    /**
     * The evaluation: result pass, fail, none, temperror or permerror; the policy to apply to a
     * failure (none, quarantine, reject; after pct sampling) and the p= as published.
     */
    public record Result(String result, String fromDomain, String disposition, String publishedPolicy) {
    }

    private Dmarc() {
    }

    /**
     * @param spfDomain the domain SPF authenticated (MAIL FROM's, or HELO's for the null sender)
     */
    public static Result evaluate(String fromDomain, SpfResult spf, String spfDomain,
                                  List<DkimVerification.Result> dkim, DnsLookup dns) {
        if (fromDomain == null) {
            return new Result("permerror", null, "none", null);
        }
        String from = fromDomain.toLowerCase(Locale.ROOT);
        String organizational = organizationalDomain(from);
        Map<String, String> record;
        boolean atOrganizationalDomain = false;
        try {
            record = policyRecord(dns, from);
            if (record == null && !organizational.equals(from)) {
                record = policyRecord(dns, organizational);
                atOrganizationalDomain = true;
            }
        } catch (DnsLookup.DnsException e) {
            return new Result("temperror", from, "none", null);
        }
        if (record == null) {
            return new Result("none", from, "none", null);
        }
        boolean strictDkim = "s".equalsIgnoreCase(record.get("adkim"));
        boolean strictSpf = "s".equalsIgnoreCase(record.get("aspf"));
        boolean dkimAligned = dkim.stream().anyMatch(r -> r.result().equals("pass") && r.domain() != null
                && aligned(r.domain(), from, strictDkim));
        boolean spfAligned = spf == SpfResult.PASS && spfDomain != null && aligned(spfDomain, from, strictSpf);
        String published = record.get("p").toLowerCase(Locale.ROOT);
        if (dkimAligned || spfAligned) {
            return new Result("pass", from, "none", published);
        }
        String policy = atOrganizationalDomain && record.containsKey("sp") ? record.get("sp").toLowerCase(Locale.ROOT) : published;
        int pct = 100;
        try {
            pct = Integer.parseInt(record.getOrDefault("pct", "100"));
        } catch (NumberFormatException e) {
            // §6.3: an invalid pct is ignored
        }
        if (pct < 100 && ThreadLocalRandom.current().nextInt(100) >= pct) {
            policy = policy.equals("reject") ? "quarantine" : "none"; // §6.6.4: the next policy down
        }
        return new Result("fail", from, policy, published);
    }

    private static boolean aligned(String domain, String from, boolean strict) {
        String d = domain.toLowerCase(Locale.ROOT);
        return strict ? d.equals(from) : organizationalDomain(d).equals(organizationalDomain(from));
    }

    /** The registered domain under a public suffix; without a known suffix, the last two labels (§3.2). */
    static String organizationalDomain(String domain) {
        try {
            InternetDomainName name = InternetDomainName.from(domain);
            if (name.isUnderPublicSuffix()) {
                return name.topPrivateDomain().toString();
            }
            if (name.isPublicSuffix()) {
                return domain;
            }
        } catch (IllegalArgumentException | IllegalStateException e) {
            // not a name the list knows: fall through to the default rule
        }
        String[] labels = domain.split("\\.");
        return labels.length <= 2 ? domain : labels[labels.length - 2] + "." + labels[labels.length - 1];
    }

    /** The single v=DMARC1 record at _dmarc.DOMAIN with a valid p=, or null (§6.6.3). */
    private static Map<String, String> policyRecord(DnsLookup dns, String domain) throws DnsLookup.DnsException {
        List<String> records = dns.txt("_dmarc." + domain).stream()
                .filter(t -> t.regionMatches(true, 0, "v=DMARC1", 0, 8)).toList();
        if (records.size() != 1) {
            return null;
        }
        Map<String, String> tags;
        try {
            tags = DkimVerification.tags(records.getFirst());
        } catch (IllegalArgumentException e) {
            return null;
        }
        String p = tags.getOrDefault("p", "").toLowerCase(Locale.ROOT);
        if (!List.of("none", "quarantine", "reject").contains(p)) {
            return tags.containsKey("rua") ? Map.of("p", "none") : null;
        }
        String sp = tags.get("sp");
        if (sp != null && !List.of("none", "quarantine", "reject").contains(sp.toLowerCase(Locale.ROOT))) {
            tags.remove("sp");
        }
        return tags;
    }
}
