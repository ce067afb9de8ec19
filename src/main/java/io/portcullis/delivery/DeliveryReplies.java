package io.portcullis.delivery;

import io.portcullis.smtp.Reply;

/**
 * Replies the gateway makes up for itself when delivery fails before or without a remote reply;
 * they appear in the journal, in {@code queue list} and in DSNs.
 */
final class DeliveryReplies {
    private DeliveryReplies() {
    }

    static final Reply NO_ROUTE = new Reply(554, "5.4.4", "No route for this recipient and flow");
    static final Reply DNS_TEMPORARY = new Reply(451, "4.4.3", "Temporary DNS failure looking up the destination");
    static final Reply DOMAIN_NOT_FOUND = new Reply(550, "5.1.2", "Recipient domain does not exist");
    static final Reply NULL_MX = new Reply(556, "5.1.10", "Recipient domain does not accept mail (null MX)");
    static final Reply NO_ADDRESS = new Reply(550, "5.1.2", "Recipient domain has no mail server address");
    static final Reply MAIL_LOOPS = new Reply(554, "5.4.6", "Mail for this domain loops back to this gateway");
    static final Reply CONNECTION_FAILED = new Reply(451, "4.4.1", "Could not connect to any next hop");
    static final Reply CONNECTION_LOST = new Reply(451, "4.4.2", "Connection to the next hop was lost");
    static final Reply TLS_REQUIRED = new Reply(451, "4.7.5", "TLS is required but could not be established");
    static final Reply AUTH_NEEDS_TLS = new Reply(451, "4.7.0", "Refusing to send credentials without TLS");
    static final Reply AUTH_FAILED = new Reply(451, "4.7.0", "Authentication to the smarthost failed");
    static final Reply NEEDS_SMTPUTF8 = new Reply(553, "5.6.7",
            "The next hop does not support SMTPUTF8, which this message's addresses need");
    static final Reply CANNOT_CONVERT = new Reply(554, "5.6.3",
            "The next hop lacks 8BITMIME and the message has 8-bit headers that cannot be converted");
    static final Reply EXPIRED = new Reply(554, "4.4.7", "Delivery time expired");
    static final Reply DELETED_BY_ADMIN = new Reply(554, "5.0.0", "Message deleted by the administrator");
    static final Reply BOUNCED_BY_ADMIN = new Reply(554, "5.0.0", "Message returned by the administrator");
    static final Reply LOCAL_ERROR = new Reply(451, "4.3.0", "Local error during delivery");
}
