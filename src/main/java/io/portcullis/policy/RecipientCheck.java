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

    /** postmaster@ each of our domains must always be deliverable (RFC 5321 §4.5.1). */
    private static boolean isPostmaster(Mailbox recipient) {
        return recipient.unquotedLocalPart().equalsIgnoreCase("postmaster");
    }

    private boolean inRelayNetworks(ClientFacts client) {
        return policy.isRelayNetwork(client.address());
    }
}
