package io.portcullis.config;

import java.net.InetAddress;
import java.util.List;
import java.util.Locale;

/**
 * Who may use a listener and for what: the listener's whole trust model in one record.
 *
 * @param allow              client networks allowed to connect; empty means everyone not denied
 * @param deny               client networks refused at connect (554 5.7.1), even when allowed
 * @param auth               SMTP AUTH settings, or null when the listener does not offer AUTH
 * @param relay              who may send to domains that are not ours
 * @param relayNetworks      with {@code NETWORKS}: the trusted internal senders
 * @param verifyRecipients   refuse unknown recipients in our domains at RCPT (550 5.1.1)
 * @param rejectSpoofedSenders refuse an envelope sender in our domains or the protected list (550 5.7.1)
 * @param checkHeaderFrom    apply the sender rules (anti-spoofing or send-as) to header From: too
 * @param enforceSendAs      an authenticated user may send only as its mapped addresses (553 5.7.1)
 * @param removeHeaders      header names to strip from received mail; a trailing * matches a prefix
 * @param removeReceived     strip the message's Received: headers (internal topology) before ours
 * @param rateLimits         connection, message and recipient rates per client address and user
 * @param proxyProtocol      expect a PROXY protocol v1/v2 header first, from these proxies only; empty: off
 * @param bareLineEnds       a bare LF in message content: refused (550 5.6.0), or made CRLF; default
 *                           {@code normalize} where AUTH is required, else {@code reject}
 * @param submissionFixups   add Message-ID and Date when a message has none (RFC 6409 §8.2, §8.3); default
 *                           on where AUTH is required or relay networks are set
 */
public record ListenerPolicy(List<Cidr> allow, List<Cidr> deny, AuthPolicy auth, RelayMode relay,
                             List<Cidr> relayNetworks, boolean verifyRecipients, boolean rejectSpoofedSenders,
                             boolean checkHeaderFrom, boolean enforceSendAs, List<String> removeHeaders,
                             boolean removeReceived, RateLimitConfig rateLimits, List<Cidr> proxyProtocol,
                             BareLineEnds bareLineEnds, boolean submissionFixups) {

    /**
     * Without {@code submission-fixups}: on where submitted mail arrives (auth required, or relay
     * networks set), as its default is.
     */
    public ListenerPolicy(List<Cidr> allow, List<Cidr> deny, AuthPolicy auth, RelayMode relay, List<Cidr> relayNetworks,
                          boolean verifyRecipients, boolean rejectSpoofedSenders, boolean checkHeaderFrom,
                          boolean enforceSendAs, List<String> removeHeaders, boolean removeReceived,
                          RateLimitConfig rateLimits, List<Cidr> proxyProtocol, BareLineEnds bareLineEnds) {
        this(allow, deny, auth, relay, relayNetworks, verifyRecipients, rejectSpoofedSenders, checkHeaderFrom, enforceSendAs,
                removeHeaders, removeReceived, rateLimits, proxyProtocol, bareLineEnds,
                (auth != null && auth.required()) || !relayNetworks.isEmpty());
    }

    public enum RelayMode { NEVER, AUTHENTICATED, NETWORKS }

    /**
     * What a bare LF in message data (DATA or BDAT) gets. Commands never: a bare CR or LF there
     * always closes the session. Normalizing makes the LF a CRLF inside the content only; DATA still
     * ends at CRLF.CRLF alone (SMTP smuggling), and a bare CR is refused either way: its usual source
     * is a doubled conversion (CR CR LF), where a CRLF would insert blank lines, and some next hops
     * take CR alone as a line end.
     */
    public enum BareLineEnds { REJECT, NORMALIZE }

    /**
     * @param required     MAIL needs a successful AUTH first (530 5.7.0), except from relay networks
     * @param requireTls   AUTH is refused before STARTTLS (530 5.7.0) and not advertised
     * @param mechanisms   offered SASL mechanisms, upper case
     */
    public record AuthPolicy(boolean required, boolean requireTls, List<String> mechanisms) {
        public AuthPolicy {
            mechanisms = List.copyOf(mechanisms);
        }
    }

    public static final ListenerPolicy OPEN = new ListenerPolicy(List.of(), List.of(), null, RelayMode.NEVER, List.of(),
            false, false, false, false, List.of(), false, RateLimitConfig.NONE, List.of(), BareLineEnds.REJECT);

    public ListenerPolicy {
        allow = List.copyOf(allow);
        deny = List.copyOf(deny);
        relayNetworks = List.copyOf(relayNetworks);
        proxyProtocol = List.copyOf(proxyProtocol);
        removeHeaders = removeHeaders.stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
    }

    /** Is the client one of the allow-listed internal servers? */
    public boolean isRelayNetwork(InetAddress client) {
        return Cidr.anyContains(relayNetworks, client);
    }

    /**
     * A trusted client: authenticated, or one of the relay networks. Such a client may use
     * sender-specified routing (a%b@ours) and is exempt from max-transactions and max-session-time.
     */
    public boolean isTrusted(InetAddress client, boolean authenticated) {
        return authenticated || isRelayNetwork(client);
    }

    /** Should a header field of this name be stripped from mail received here? */
    public boolean removesHeader(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        if (removeReceived && lower.equals("received")) {
            return true;
        }
        for (String pattern : removeHeaders) {
            if (pattern.endsWith("*") ? lower.startsWith(pattern.substring(0, pattern.length() - 1)) : lower.equals(pattern)) {
                return true;
            }
        }
        return false;
    }
}
