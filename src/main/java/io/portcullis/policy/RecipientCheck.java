package io.portcullis.policy;

import io.portcullis.smtp.Replies;
import io.portcullis.auth.LdapDirectory;
import io.portcullis.config.ListenerPolicy;
import io.portcullis.config.RouteTable;
import io.portcullis.smtp.Mailbox;

/**
 * RCPT: a recipient in our domains must be known (when the listener verifies recipients), and
 * one outside them needs the listener's relay permission: never, authenticated, or from the
 * relay networks (or authenticated). The domain is the parser's, lower-cased: nothing the client
 * hides in the local part (a@b@c, a%b@c, b!a@c, "a@b"@c) or in a source route can change it.
 */
public final class RecipientCheck {
    private final ListenerPolicy policy;
    private final RouteTable routes;
    private final KnownRecipients known;

    public RecipientCheck(ListenerPolicy policy, RouteTable routes, KnownRecipients known) {
        this.policy = policy;
        this.routes = routes;
        this.known = known;
    }

    public Verdict check(ClientFacts client, Mailbox recipient) {
        String domain = recipient.domain() == null ? routes.postmasterDomain() : recipient.canonicalDomain();
        if (!recipient.isAddressLiteral() && routes.isLocal(domain)) {
            if (policy.verifyRecipients() && recipient.domain() != null && !isPostmaster(recipient)) {
                try {
                    if (!known.contains(recipient.unquotedLocalPart() + "@" + domain)) {
                        return Verdict.reject(Replies.UNKNOWN_RECIPIENT, "recipient-unknown");
                    }
                } catch (LdapDirectory.DirectoryUnavailableException e) {
                    return Verdict.reject(Replies.RECIPIENT_LOOKUP_FAILED, "directory");
                }
            }
            return Verdict.ACCEPT;
        }
        boolean allowed = switch (policy.relay()) {
            case NEVER -> false;
            case AUTHENTICATED -> client.isAuthenticated();
            case NETWORKS -> client.isAuthenticated() || inRelayNetworks(client);
        };
        return allowed ? Verdict.ACCEPT : Verdict.reject(Replies.RELAY_DENIED, "relay");
    }

    /**
     * Sender-specified routing into our own domains from an untrusted client is refused (550 5.7.1),
     * like Postfix's {@code allow_untrusted_routing = no}: a local part with "%" or "!" (the percent
     * hack, UUCP bang paths), a quoted local part hiding "@", "%" or "!", or a source route. We
     * would hand such an address to an internal server that may still honour the old routing
     * conventions and relay it on, out of the gateway's sight. Trusted clients (authenticated, or
     * from the relay networks) may; for other domains the relay rule decides anyway.
     */
    public Verdict checkRouting(ClientFacts client, Mailbox recipient, boolean sourceRouted) {
        if (recipient.domain() == null || recipient.isAddressLiteral() || !routes.isLocal(recipient.canonicalDomain())
                || policy.isTrusted(client.address(), client.isAuthenticated())) {
            return Verdict.ACCEPT;
        }
        if (sourceRouted || hasRoutingCharacter(recipient.unquotedLocalPart())) {
            return Verdict.reject(Replies.SENDER_ROUTING_DENIED, "routing");
        }
        return Verdict.ACCEPT;
    }

    private static boolean hasRoutingCharacter(String localPart) {
        for (int i = 0; i < localPart.length(); i++) {
            char c = localPart.charAt(i);
            if (c == '%' || c == '!' || c == '@') {
                return true;
            }
        }
        return false;
    }

    /** postmaster@ each of our domains must always be deliverable (RFC 5321 §4.5.1). */
    private static boolean isPostmaster(Mailbox recipient) {
        return recipient.unquotedLocalPart().equalsIgnoreCase("postmaster");
    }

    private boolean inRelayNetworks(ClientFacts client) {
        return policy.isRelayNetwork(client.address());
    }
}
