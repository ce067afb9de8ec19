package io.portcullis.smtp;

/**
 * The catalogue of every reply the gateway sends: code, enhanced status code (RFC 3463, RFC 5248
 * registry) and text in one place, so handlers never spell out reply strings themselves.
 *
 * <p>Greetings, the EHLO response and 354 carry no enhanced code (RFC 2034 §3).
 */
public final class Replies {
    private Replies() {
    }

    // 2xx
    public static final Reply CLOSING = new Reply(221, "2.0.0", "Bye");
    public static final Reply OK = new Reply(250, "2.0.0", "OK");
    public static final Reply SENDER_OK = new Reply(250, "2.1.0", "Sender OK");
    public static final Reply RECIPIENT_OK = new Reply(250, "2.1.5", "Recipient OK");
    public static final Reply QUEUED = new Reply(250, "2.0.0", "OK queued as");
    /**
     * A message a content check held in the quarantine: accepted (the gateway has taken
     * responsibility, so 250), but not queued for delivery, so no "queued as". Like Exchange's
     * and Proxmox's answers it does not tell the sender that it was held (that would let a
     * spammer probe the filters); the id stays, for the admin's search.
     */
    public static final Reply ACCEPTED_HELD = new Reply(250, "2.0.0", "OK accepted as");
    public static final Reply CHUNK_RECEIVED = new Reply(250, "2.0.0", "octets received");
    public static final Reply CANNOT_VRFY = new Reply(252, "2.5.2",
            "Cannot VRFY user, but will accept message and attempt delivery");
    public static final Reply HELP = new Reply(214, "2.0.0",
            "Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP STARTTLS");
    public static final Reply READY_FOR_TLS = new Reply(220, "2.0.0", "Ready to start TLS");
    public static final Reply START_MAIL_INPUT = new Reply(354, null, "End data with <CR><LF>.<CR><LF>");

    // 4xx: try again later
    public static final Reply TOO_MANY_CONNECTIONS = new Reply(421, "4.3.2", "Too many connections, try again later");
    public static final Reply TOO_MANY_CONNECTIONS_FROM_ADDRESS = new Reply(421, "4.7.0",
            "Too many connections from your address, try again later");
    public static final Reply TIMEOUT = new Reply(421, "4.4.2", "Timeout exceeded, closing connection");
    public static final Reply TOO_MANY_ERRORS = new Reply(421, "4.7.0", "Too many errors, closing connection");
    public static final Reply TOO_MANY_JUNK_COMMANDS = new Reply(421, "4.7.0", "Too many commands without a message, closing connection");
    public static final Reply TOO_MANY_TRANSACTIONS = new Reply(421, "4.7.0",
            "Too many mail transactions in one session, closing connection; reconnect to send more");
    public static final Reply SESSION_TIME_EXCEEDED = new Reply(421, "4.4.2", "Session time limit reached, closing connection");
    public static final Reply SHUTTING_DOWN = new Reply(421, "4.3.2", "Service shutting down, closing connection");
    public static final Reply LOCAL_ERROR = new Reply(451, "4.3.0",
            "Local error in processing, message not accepted, try again later");
    public static final Reply INSUFFICIENT_STORAGE = new Reply(452, "4.3.1", "Insufficient system storage, try again later");
    public static final Reply TOO_MANY_RECIPIENTS = new Reply(452, "4.5.3", "Too many recipients");
    public static final Reply TLS_UNAVAILABLE = new Reply(454, "4.7.0", "TLS not available due to temporary reason");
    /** Greylisting: the first attempt of an unknown client, sender and recipient (RFC 6647). */
    public static final Reply GREYLISTED = new Reply(451, "4.7.1", "Greylisted, please try again later");

    // 5xx: syntax and sequence
    public static final Reply COMMAND_UNRECOGNIZED = new Reply(500, "5.5.1", "Command unrecognized");
    public static final Reply LINE_TOO_LONG = new Reply(500, "5.5.2", "Line too long");
    public static final Reply BARE_LINE_END_IN_COMMAND = new Reply(500, "5.5.2",
            "Bare CR or LF in command line, closing connection");
    public static final Reply NUL_IN_COMMAND = new Reply(500, "5.5.2", "NUL character in command line, closing connection");
    public static final Reply INVALID_UTF8 = new Reply(500, "5.5.2", "Invalid UTF-8 in command line");
    public static final Reply SYNTAX_ERROR_IN_PARAMETERS = new Reply(501, "5.5.4", "Syntax error in parameters or arguments");
    public static final Reply BAD_SENDER_SYNTAX = new Reply(501, "5.1.7", "Bad sender address syntax");
    public static final Reply BAD_RECIPIENT_SYNTAX = new Reply(501, "5.1.3", "Bad recipient address syntax");
    public static final Reply COMMAND_NOT_IMPLEMENTED = new Reply(502, "5.5.1", "Command not implemented");
    public static final Reply BAD_SEQUENCE = new Reply(503, "5.5.1", "Bad sequence of commands");
    public static final Reply UNSUPPORTED_PARAMETER = new Reply(555, "5.5.4", "Unsupported parameter");
    public static final Reply NON_ASCII_WITHOUT_SMTPUTF8 = new Reply(553, "5.6.7",
            "Non-ASCII address requires the SMTPUTF8 parameter");

    // AUTH (RFC 4954)
    public static final Reply AUTH_SUCCEEDED = new Reply(235, "2.7.0", "Authentication successful");
    public static final Reply AUTH_NOT_AVAILABLE = new Reply(503, "5.5.1", "AUTH is not available on this service");
    public static final Reply ALREADY_AUTHENTICATED = new Reply(503, "5.5.1", "Already authenticated");
    public static final Reply AUTH_NEEDS_TLS = new Reply(530, "5.7.0", "Must issue a STARTTLS command first");
    public static final Reply AUTH_REQUIRED = new Reply(530, "5.7.0", "Authentication required");
    public static final Reply AUTH_MECHANISM_UNKNOWN = new Reply(504, "5.5.4", "Unrecognized authentication type");
    public static final Reply AUTH_CANCELLED = new Reply(501, "5.0.0", "Authentication cancelled");
    public static final Reply AUTH_BAD_BASE64 = new Reply(501, "5.5.2", "Cannot decode the response (invalid base64)");
    public static final Reply AUTH_LINE_TOO_LONG = new Reply(500, "5.5.6", "Authentication exchange line is too long");
    public static final Reply AUTH_FAILED = new Reply(535, "5.7.8", "Authentication credentials invalid");
    public static final Reply AUTH_TEMPORARILY_LOCKED = new Reply(454, "4.7.0",
            "Temporary authentication failure, try again later");
    public static final Reply TOO_MANY_AUTH_FAILURES = new Reply(421, "4.7.0", "Too many authentication failures, closing connection");

    // 5xx: policy and content
    public static final Reply MESSAGE_TOO_BIG = new Reply(552, "5.3.4", "Message size exceeds fixed maximum message size");
    public static final Reply TOO_MANY_HOPS = new Reply(554, "5.4.0", "Too many Received headers, possible mail loop");
    public static final Reply HEADER_SECTION_TOO_BIG = new Reply(552, "5.3.4",
            "Message header section exceeds fixed maximum size");
    public static final Reply HEADER_SECTION_MALFORMED = new Reply(554, "5.6.0",
            "Message refused: a line in the header section is not a header field");
    public static final Reply BARE_LINE_END_IN_DATA = new Reply(550, "5.6.0",
            "Message refused: bare CR or LF in message data");
    public static final Reply NUL_IN_DATA = new Reply(550, "5.6.0", "Message refused: NUL character in message data");
    public static final Reply LINE_TOO_LONG_IN_DATA = new Reply(550, "5.6.0", "Message refused: line too long");
    public static final Reply TALKED_BEFORE_GREETING = new Reply(554, "5.5.0",
            "Protocol error: client sent data before the greeting, closing connection");
    public static final Reply IMPROPER_PIPELINING = new Reply(554, "5.5.0",
            "Protocol error: improper command pipelining, closing connection");

    // Policy refusals (listener policy checks)
    public static final Reply ACCESS_DENIED = new Reply(554, "5.7.1", "Access denied");
    public static final Reply CLIENT_BLOCKED = new Reply(554, "5.7.1", "Service unavailable; client blocked by local policy");
    public static final Reply SENDER_BLOCKED = new Reply(550, "5.7.1", "Sender address rejected: blocked by local policy");
    public static final Reply RECIPIENT_BLOCKED = new Reply(550, "5.7.1", "Recipient address rejected: blocked by local policy");
    /** DNS lists: formatted with the client's address (or nothing for domains) and the zone. */
    public static final Reply CLIENT_LISTED = new Reply(554, "5.7.1", "Service unavailable; client [%s] listed by %s");
    public static final Reply CLIENT_LISTED_TEMPORARILY = new Reply(450, "4.7.1",
            "Service unavailable; client [%s] listed by %s, try again later");
    public static final Reply SENDER_DOMAIN_LISTED = new Reply(550, "5.7.1", "Sender address rejected: domain listed by %s");
    public static final Reply SENDER_DOMAIN_LISTED_TEMPORARILY = new Reply(450, "4.7.1",
            "Sender address rejected: domain listed by %s, try again later");
    public static final Reply HELO_NAME_LISTED = new Reply(550, "5.7.1", "Helo command rejected: host name listed by %s");
    public static final Reply HELO_NAME_LISTED_TEMPORARILY = new Reply(450, "4.7.1",
            "Helo command rejected: host name listed by %s, try again later");
    public static final Reply POLICY_SCORE_REJECTED = new Reply(554, "5.7.1", "Service unavailable; refused by policy score");
    public static final Reply RELAY_DENIED = new Reply(554, "5.7.1", "Relay access denied");
    public static final Reply SENDER_ROUTING_DENIED = new Reply(550, "5.7.1",
            "Recipient address rejected: sender-specified routing (%, !, @ in the local part, source route) is not allowed");
    public static final Reply UNKNOWN_RECIPIENT = new Reply(550, "5.1.1", "Recipient address rejected: user unknown");
    public static final Reply SPOOFED_SENDER = new Reply(550, "5.7.1",
            "Sender address rejected: mail from the Internet may not use this organisation's addresses");
    public static final Reply SEND_AS_DENIED = new Reply(553, "5.7.1", "Sender address rejected: not owned by the user");
    public static final Reply SEND_AS_NOT_LOCAL = new Reply(553, "5.7.1",
            "Sender address rejected: internal servers may only send as this organisation's addresses");
    public static final Reply ORIGINATOR_FIELDS_REFUSED = new Reply(550, "5.7.1",
            "Message refused: From: and Sender: must each appear at most once and name one mailbox in standard syntax");
    public static final Reply ORIGINATOR_FIELDS_REFUSED_SEND_AS = new Reply(553, "5.7.1",
            "Message refused: From: and Sender: must each appear at most once and name one mailbox in standard syntax");

    // Client checks (phase-checks reverse-dns, helo, sender-domain); the reverse-DNS ones get "[ip]" appended.
    // A check with action tempfail sends the 4xx form (Replies.temporary).
    public static final Reply CLIENT_NO_REVERSE_HOSTNAME = new Reply(550, "5.7.25",
            "Client host rejected: cannot find your reverse hostname,");
    public static final Reply CLIENT_HOSTNAME_UNCONFIRMED = new Reply(550, "5.7.25",
            "Client host rejected: cannot find your hostname,");
    public static final Reply CLIENT_HOSTNAME_LOOKUP_FAILED = new Reply(450, "4.7.25",
            "Client host rejected: cannot find your hostname (DNS lookup failed, try again later),");
    public static final Reply HELO_NOT_FQDN = new Reply(550, "5.5.2", "Helo command rejected: need fully-qualified hostname");
    public static final Reply HELO_BARE_IP = new Reply(550, "5.5.2", "Helo command rejected: invalid ip address");
    public static final Reply HELO_NOT_ME = new Reply(550, "5.7.1", "Helo command rejected: you are not me");
    public static final Reply HELO_HOST_NOT_FOUND = new Reply(550, "5.7.1", "Helo command rejected: host not found");
    public static final Reply HELO_LOOKUP_FAILED = new Reply(450, "4.7.1",
            "Helo command rejected: host lookup failed, try again later");
    public static final Reply SENDER_DOMAIN_NOT_FOUND = new Reply(550, "5.1.8", "Sender address rejected: domain not found");
    public static final Reply SENDER_DOMAIN_NULL_MX = new Reply(550, "5.7.27",
            "Sender address rejected: domain does not accept mail (null MX)");
    public static final Reply SENDER_DOMAIN_LOOKUP_FAILED = new Reply(450, "4.1.8",
            "Sender address rejected: domain lookup failed");

    /** The temporary (4xx, 4.x.x) form of a permanent refusal, for a check whose action is tempfail. */
    public static Reply temporary(Reply reply) {
        if (!reply.isPermanent()) {
            return reply;
        }
        String enhanced = reply.enhancedCode() == null ? null : "4" + reply.enhancedCode().substring(1);
        return new Reply(reply.code() - 100, enhanced, reply.lines());
    }

    public static final Reply CONNECTION_RATE_EXCEEDED = new Reply(421, "4.7.0",
            "Too many connections from your address, slow down and try again later");
    public static final Reply MESSAGE_RATE_EXCEEDED = new Reply(450, "4.7.1", "Message rate limit exceeded, try again later");
    public static final Reply RECIPIENT_RATE_EXCEEDED = new Reply(452, "4.7.1", "Recipient rate limit exceeded, try again later");
    /**
     * A check whose state is shared across nodes (Redis) could not reach it and is configured to fail
     * closed (at connect it becomes the session's 421).
     */
    public static final Reply SHARED_STATE_UNAVAILABLE = new Reply(451, "4.3.0",
            "Temporary local problem, try again later");
    public static final Reply RECIPIENT_LOOKUP_FAILED = new Reply(451, "4.3.0",
            "Recipient address lookup failed, try again later");
    // A milter asked at each policy phase (its SMFIR_REPLYCODE replaces these); texts as Postfix's
    public static final Reply MILTER_REJECTED = new Reply(550, "5.7.1", "Command rejected");
    public static final Reply MILTER_TEMPFAIL = new Reply(451, "4.7.1", "Service unavailable - try again later");
    public static final Reply MILTER_UNAVAILABLE = new Reply(451, "4.7.1", "Service unavailable - try again later");

    // Content refusals (before-queue content chain, after the last octet of DATA)
    public static final Reply CONTENT_CHECK_UNAVAILABLE = new Reply(451, "4.7.1",
            "Message content could not be checked, try again later");
    public static final Reply CONTENT_TEMPFAIL = new Reply(451, "4.7.1", "Message deferred by content policy, try again later");
    public static final Reply CONTENT_REJECTED = new Reply(550, "5.7.1", "Message content rejected");
    public static final Reply DMARC_REJECTED = new Reply(550, "5.7.1",
            "Message rejected: it fails the DMARC policy (p=reject) of");
    public static final Reply SPAM_REJECTED = new Reply(550, "5.7.1", "Message rejected as spam");
    public static final Reply VIRUS_FOUND = new Reply(554, "5.7.1", "Message rejected: virus found:");
    public static final Reply ATTACHMENT_BLOCKED = new Reply(554, "5.7.1", "Message rejected: attachment type not allowed:");
    public static final Reply ATTACHMENT_NAME_CONTROL = new Reply(554, "5.6.0",
            "Message rejected: an attachment name contains a control character");
    public static final Reply MIME_MALFORMED = new Reply(554, "5.6.0", "Message rejected: MIME structure cannot be parsed");
    public static final Reply NESTING_TOO_DEEP = new Reply(554, "5.6.0", "Message rejected: MIME structure nested too deeply");
    public static final Reply MIME_TOO_MANY_PARTS = new Reply(554, "5.6.0", "Message rejected: too many MIME parts");
    public static final Reply MIME_AMBIGUOUS = new Reply(554, "5.6.0",
            "Message rejected: MIME structure can be read in more than one way");
    public static final Reply MIME_DECODED_TOO_BIG = new Reply(552, "5.3.4",
            "Message rejected: decoded content exceeds the size limit");

    // Delivery outcomes the gateway records itself, when no next hop replied (journal, queue list, DSNs)
    public static final Reply NO_ROUTE = new Reply(554, "5.4.4", "No route for this recipient and flow");
    public static final Reply DNS_TEMPORARY = new Reply(451, "4.4.3", "Temporary DNS failure looking up the destination");
    public static final Reply DOMAIN_NOT_FOUND = new Reply(550, "5.1.2", "Recipient domain does not exist");
    public static final Reply NULL_MX = new Reply(556, "5.1.10", "Recipient domain does not accept mail (null MX)");
    public static final Reply NO_ADDRESS = new Reply(550, "5.1.2", "Recipient domain has no mail server address");
    public static final Reply MAIL_LOOPS = new Reply(554, "5.4.6", "Mail for this domain loops back to this gateway");
    public static final Reply CONNECTION_FAILED = new Reply(451, "4.4.1", "Could not connect to any next hop");
    public static final Reply CONNECTION_LOST = new Reply(451, "4.4.2", "Connection to the next hop was lost");
    public static final Reply NEXT_HOP_TIMED_OUT = new Reply(451, "4.4.2", "Conversation with the next hop timed out");
    public static final Reply NON_PUBLIC_ADDRESS = new Reply(554, "5.4.4", "MX points to a non-public address");
    public static final Reply TLS_REQUIRED = new Reply(451, "4.7.5", "TLS is required but could not be established");
    public static final Reply TLS_NOT_OFFERED = new Reply(451, "4.7.5",
            "TLS is required but the next hop does not offer STARTTLS");
    public static final Reply DANE_NOT_AVAILABLE = new Reply(451, "4.7.5",
            "DANE is required but the destination has no DNSSEC-validated TLSA records");
    public static final Reply DANE_LOOKUP_FAILED = new Reply(451, "4.7.5",
            "DNSSEC lookup for DANE failed; not delivering without it");
    public static final Reply DANE_MISMATCH = new Reply(451, "4.7.5",
            "The next hop's certificate matches none of its DANE TLSA records");
    public static final Reply NEXT_HOP_AUTH_NEEDS_TLS = new Reply(451, "4.7.0", "Refusing to send credentials without TLS");
    public static final Reply NEXT_HOP_AUTH_FAILED = new Reply(451, "4.7.0", "Authentication to the smarthost failed");
    public static final Reply NEEDS_SMTPUTF8 = new Reply(553, "5.6.7",
            "The next hop does not support SMTPUTF8, which this message's addresses need");
    public static final Reply CANNOT_CONVERT = new Reply(554, "5.6.3",
            "The next hop lacks 8BITMIME and the message has 8-bit headers that cannot be converted");
    public static final Reply EXPIRED = new Reply(554, "4.4.7", "Delivery time expired");
    public static final Reply DELETED_BY_ADMIN = new Reply(554, "5.0.0", "Message deleted by the administrator");
    public static final Reply BOUNCED_BY_ADMIN = new Reply(554, "5.0.0", "Message returned by the administrator");
    public static final Reply DELIVERY_LOCAL_ERROR = new Reply(451, "4.3.0", "Local error during delivery");
}
