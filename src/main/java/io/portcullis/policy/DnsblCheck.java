package io.portcullis.policy;

import io.portcullis.config.Phase;
import io.portcullis.config.PhaseCheckConfig;
import io.portcullis.dns.DnsListLookup;
import io.portcullis.smtp.Replies;
import java.util.List;
import java.util.Set;

/**
 * DNS block and allow lists on the client's address ({@code type: dnsbl}), postscreen style: every
 * zone asked at once under one budget (IPv4 as reversed octets, IPv6 as 32 reversed nibbles), the
 * weights of the listing zones summed. A sum reaching {@code threshold} takes the action (reject:
 * 554 5.7.1 naming the highest-weight zone, and at connect the session closes); a sum at most
 * {@code allow-threshold} allow-lists the client, so later filters (greylisting, ...) are skipped.
 * A zone that does not answer in time is skipped and counted. Named at a later phase, it acts there;
 * the lookup is made once per session.
 */
final class DnsblCheck implements PhaseCheck {
    private final PhaseCheckConfig.Dnsbl config;
    private final DnsLists lists;

    DnsblCheck(PhaseCheckConfig.Dnsbl config, PhaseChecks.Services services) {
        this.config = config;
        this.lists = new DnsLists(config.name(), config.lists(), services);
    }

    /** The session's outcome, so a check named at several phases (or at rcpt) asks once. */
    private static final class Looked implements PhaseSession.Attachment {
        DnsLists.Outcome outcome;

        @Override
        public void close() {
        }
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
        Looked looked = input.session().attachment(this, Looked::new);
        if (looked.outcome == null) {
            looked.outcome = lists.query(List.of(DnsListLookup.reversed(input.client().address())));
        }
        String client = input.client().address().getHostAddress();
        return ClientCheckVerdicts.scoredOnce(input, this, lists.decide(looked.outcome, input.phase(), "dnsbl",
                (top, permanent) -> DnsLists.formatted(permanent ? Replies.CLIENT_LISTED : Replies.CLIENT_LISTED_TEMPORARILY,
                        client, top.zone().zone())));
    }
}
