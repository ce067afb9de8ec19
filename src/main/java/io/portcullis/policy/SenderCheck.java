package io.portcullis.policy;

import io.portcullis.smtp.Replies;
import io.portcullis.config.ListenerPolicy;
import io.portcullis.config.RouteTable;
import io.portcullis.smtp.DomainName;
import io.portcullis.smtp.HeaderScanner;
import io.portcullis.smtp.Mailbox;
import io.portcullis.smtp.OriginatorField;
import io.portcullis.smtp.SyntaxException;
import java.text.Normalizer;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Who may appear as the sender, applied to the envelope sender at MAIL and, where configured, to
 * the header From: and Sender: after DATA ({@link #checkHeader}).
 *
 * <ul>
 *   <li><b>Anti-spoofing</b> (inbound): an anonymous client may not use an address of our domains
 *       or of the protected list (550 5.7.1).</li>
 *   <li><b>Send-as</b> (outbound): an authenticated user may use only the addresses and
 *       {@code @domains} mapped to it; an allow-listed internal server any address of our domains
 *       and nothing else (553 5.7.1).</li>
 * </ul>
 * The null sender is always allowed: it is how bounces travel. Addresses are compared in one form:
 * the domain as IDNA A-labels after UTS #46 mapping ({@link Mailbox#canonicalDomain()}), the local
 * part NFKC-normalised and lower-cased, so fullwidth or upper-case spellings are the same sender.
 */
public final class SenderCheck {
    private final ListenerPolicy policy;
    private final RouteTable routes;
    private final Set<String> protectedSenders;

    public SenderCheck(ListenerPolicy policy, RouteTable routes, List<String> protectedSenders) {
        this.policy = policy;
        this.routes = routes;
        this.protectedSenders = protectedSenders.stream().map(SenderCheck::canonicalAddress).collect(Collectors.toSet());
    }

    /**
     * The header originator fields where the listener checks them ({@code check-header-from} with
     * anti-spoofing or send-as): at most one From: and one Sender: (RFC 5322 §3.6), each one mailbox
     * in standard syntax, no obsolete field-name form and no over-long value (else refused as a whole:
     * what cannot be read one way only cannot be vouched for), and each mailbox passes {@link #check}.
     * A message without From: leaves the envelope sender, already checked at MAIL, as its sender.
     */
    public Verdict checkHeader(ClientFacts client, HeaderScanner.Originators fields) {
        if (!policy.checkHeaderFrom() || !(policy.enforceSendAs() || policy.rejectSpoofedSenders())) {
            return Verdict.ACCEPT;
        }
        Verdict refused = Verdict.reject(policy.enforceSendAs() ? Replies.ORIGINATOR_FIELDS_REFUSED_SEND_AS
                : Replies.ORIGINATOR_FIELDS_REFUSED, "header-from");
        if (fields.fromCount() > 1 || fields.senderCount() > 1 || fields.irregular()) {
            return refused;
        }
        for (String value : new String[] {fields.from(), fields.sender()}) {
            if (value == null) {
                continue;
            }
            Mailbox mailbox;
            try {
                mailbox = OriginatorField.parse(value);
            } catch (SyntaxException e) {
                return refused;
            }
            Verdict verdict = check(client, mailbox);
            if (verdict instanceof Verdict.Refusal) {
                return verdict;
            }
        }
        return Verdict.ACCEPT;
    }

    /** @param sender null for the null sender */
    public Verdict check(ClientFacts client, Mailbox sender) {
        if (sender == null) {
            return Verdict.ACCEPT;
        }
        if (policy.enforceSendAs()) {
            if (client.isAuthenticated()) {
                return owns(client, sender) ? Verdict.ACCEPT : Verdict.reject(Replies.SEND_AS_DENIED, "send-as");
            }
            if (inRelayNetworks(client)) {
                return routes.isLocal(sender.canonicalDomain()) ? Verdict.ACCEPT
                        : Verdict.reject(Replies.SEND_AS_NOT_LOCAL, "send-as");
            }
        }
        if (policy.rejectSpoofedSenders() && !client.isAuthenticated() && !inRelayNetworks(client)
                && (routes.isLocal(sender.canonicalDomain()) || protectedSenders.contains(address(sender)))) {
            return Verdict.reject(Replies.SPOOFED_SENDER, "spoof");
        }
        return Verdict.ACCEPT;
    }

    private static boolean owns(ClientFacts client, Mailbox sender) {
        String address = address(sender);
        for (String entry : client.user().sendAs()) {
            if (entry.startsWith("@") ? canonicalDomain(entry.substring(1)).equals(sender.canonicalDomain())
                    : canonicalAddress(entry).equals(address)) {
                return true;
            }
        }
        return false;
    }

    private static String address(Mailbox mailbox) {
        return canonicalLocalPart(mailbox.unquotedLocalPart()) + "@" + mailbox.canonicalDomain();
    }

    /** A configured {@code local@domain} in the form {@link #address} gives. */
    private static String canonicalAddress(String address) {
        int at = address.lastIndexOf('@');
        return at < 0 ? canonicalLocalPart(address)
                : canonicalLocalPart(address.substring(0, at)) + "@" + canonicalDomain(address.substring(at + 1));
    }

    private static String canonicalLocalPart(String localPart) {
        return Normalizer.normalize(localPart, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
    }

    private static String canonicalDomain(String domain) {
        String canonical = DomainName.canonical(domain);
        return canonical == null ? domain.toLowerCase(Locale.ROOT) : canonical;
    }

    private boolean inRelayNetworks(ClientFacts client) {
        return policy.isRelayNetwork(client.address());
    }
}
