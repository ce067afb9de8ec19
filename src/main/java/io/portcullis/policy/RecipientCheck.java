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
    private final String flow;

    /** @param flow the listener's flow: a recipient needs a route from it */
    public RecipientCheck(ListenerPolicy policy, RouteTable routes, KnownRecipients known, String flow) {
        this.policy = policy;
        this.routes = routes;
        this.known = known;
        this.flow = flow;
    }

    /**
     * {@code recipients}: a recipient in our domains must be known, when the listener verifies
     * recipients; postmaster@ each of our domains always is. Other domains are {@link #relay}'s.
     */
    public Verdict verify(Mailbox recipient) {
        String domain = recipient.domain() == null ? routes.postmasterDomain() : recipient.canonicalDomain();
        if (recipient.isAddressLiteral() || !routes.isLocal(domain) || recipient.domain() == null || isPostmaster(recipient)) {
            return Verdict.ACCEPT;
        }
        try {
            return known.contains(recipient.unquotedLocalPart() + "@" + domain) ? Verdict.ACCEPT
                    : Verdict.reject(Replies.UNKNOWN_RECIPIENT, "recipient-unknown");
        } catch (LdapDirectory.DirectoryUnavailableException e) {
            return Verdict.tempfail(Replies.RECIPIENT_LOOKUP_FAILED, "directory");
        }
    }

    /**
     * {@code relay}: a recipient outside our domains needs the listener's relay permission (never,
     * authenticated, or from the relay networks or authenticated), and every recipient a route for
     * the listener's flow.
     */
    public Verdict relay(ClientFacts client, Mailbox recipient) {
        String domain = recipient.domain() == null ? routes.postmasterDomain() : recipient.canonicalDomain();
        if (recipient.isAddressLiteral() || !routes.isLocal(domain)) {
            boolean allowed = switch (policy.relay()) {
                case NEVER -> false;
                case AUTHENTICATED -> client.isAuthenticated();
                case NETWORKS -> client.isAuthenticated() || inRelayNetworks(client);
            };
            if (!allowed) {
                return Verdict.reject(Replies.RELAY_DENIED, "relay");
            }
        }
        return routes.find(flow, recipient.canonicalDomain()).isEmpty() ? Verdict.reject(Replies.RELAY_DENIED, "relay")
                : Verdict.ACCEPT;
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
