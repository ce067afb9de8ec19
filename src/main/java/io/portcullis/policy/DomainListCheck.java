package io.portcullis.policy;

import io.portcullis.config.Phase;
import io.portcullis.config.PhaseCheckConfig;
import io.portcullis.smtp.DomainName;
import io.portcullis.smtp.Replies;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Domain block lists, DBL/URIBL style ({@code type: dbl}): the sender's domain at mail, and the HELO
 * name at helo (and at mail too with {@code check-helo: true}), asked under each zone as A-labels in
 * lower case ({@code example.com.dbl.example}); zones, filters, weights, threshold and action as
 * for {@link DnsblCheck}. The null sender, address literals and HELO names that are no domain
 * ({@code [192.0.2.1]}, a bare word, a bare address) are not looked up. A listed sender domain gets
 * 550 5.7.1 at MAIL, a listed HELO name 550 5.7.1 naming the HELO.
 */
final class DomainListCheck implements PhaseCheck {
    private static final java.util.regex.Pattern HOST_NAME =
            java.util.regex.Pattern.compile("([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

    private final PhaseCheckConfig.Dbl config;
    private final DnsLists lists;

    DomainListCheck(PhaseCheckConfig.Dbl config, PhaseChecks.Services services) {
        this.config = config;
        this.lists = new DnsLists(config.name(), config.lists(), services);
    }

    @Override
    public Set<Phase> phases() {
        return config.phases();
    }

    @Override
    public boolean isFilter() {
        return true;
    }

    @Override
    public Verdict check(PhaseInput input) {
        String sender = input.phase() == Phase.MAIL && input.sender() != null && input.sender().domain() != null
                ? domain(input.sender().canonicalDomain()) : null;
        String helo = input.phase() == Phase.HELO || config.checkHelo() ? heloName(input.helo()) : null;
        List<String> subjects = new ArrayList<>();
        if (sender != null) {
            subjects.add(sender);
        }
        if (helo != null && !helo.equals(sender)) {
            subjects.add(helo);
        }
        if (subjects.isEmpty()) {
            return Verdict.ACCEPT;
        }
        DnsLists.Outcome outcome = lists.query(subjects);
        return ClientCheckVerdicts.scoredOnce(input, this, lists.decide(outcome, input.phase(), "dbl",
                (top, permanent) -> top.subject().equals(sender)
                ? DnsLists.formatted(permanent ? Replies.SENDER_DOMAIN_LISTED : Replies.SENDER_DOMAIN_LISTED_TEMPORARILY,
                        top.zone().zone())
                : DnsLists.formatted(permanent ? Replies.HELO_NAME_LISTED : Replies.HELO_NAME_LISTED_TEMPORARILY,
                        top.zone().zone())));
    }

    private static String heloName(String helo) {
        if (helo == null || helo.startsWith("[")) {
            return null;
        }
        String canonical = DomainName.canonical(helo);
        return canonical == null ? null : domain(canonical);
    }

    /** A host name with at least two labels, not an address written without brackets; else null. */
    private static String domain(String canonical) {
        if (canonical == null || canonical.startsWith("[") || canonical.matches("[0-9.]+")
                || canonical.indexOf(':') >= 0 || !HOST_NAME.matcher(canonical).matches()) {
            return null;
        }
        return canonical;
    }
}
