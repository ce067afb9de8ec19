package io.portcullis.policy;

import io.portcullis.smtp.Replies;
import io.portcullis.config.ListenerPolicy;
import io.portcullis.config.RouteTable;
import io.portcullis.smtp.Mailbox;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Who may appear as the sender, applied to the envelope sender at MAIL and, where configured, to
 * every address of the header From: after DATA.
 *
 * <ul>
 *   <li><b>Anti-spoofing</b> (inbound): an anonymous client may not use an address of our domains
 *       or of the protected list (550 5.7.1).</li>
 *   <li><b>Send-as</b> (outbound): an authenticated user may use only the addresses and
 *       {@code @domains} mapped to it; an allow-listed internal server any address of our domains
 *       and nothing else (553 5.7.1).</li>
 * </ul>
 * The null sender is always allowed: it is how bounces travel.
 */
public final class SenderCheck {
    private final ListenerPolicy policy;
    private final RouteTable routes;
    private final Set<String> protectedSenders;

    public SenderCheck(ListenerPolicy policy, RouteTable routes, List<String> protectedSenders) {
        this.policy = policy;
        this.routes = routes;
        this.protectedSenders = protectedSenders.stream().map(s -> s.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
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
            String allowed = entry.toLowerCase(Locale.ROOT);
            if (allowed.startsWith("@") ? allowed.substring(1).equals(sender.canonicalDomain()) : allowed.equals(address)) {
                return true;
            }
        }
        return false;
    }

    private static String address(Mailbox mailbox) {
        return (mailbox.unquotedLocalPart() + "@" + mailbox.canonicalDomain()).toLowerCase(Locale.ROOT);
    }

    private boolean inRelayNetworks(ClientFacts client) {
        return policy.isRelayNetwork(client.address());
    }
}
