package io.portcullis.content.authentication;

import io.portcullis.dns.DnsLookup;
import io.portcullis.config.CheckConfig;
import io.portcullis.config.ContentStep;
import io.portcullis.config.IpLiteral;
import io.portcullis.content.ContentCheck;
import io.portcullis.content.ContentMessage;
import io.portcullis.content.ContentVerdict;
import io.portcullis.content.HeaderField;
import io.portcullis.content.MessageEdits;
import io.portcullis.smtp.Replies;
import io.portcullis.spool.Envelope;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * SPF, DKIM and DMARC for mail from the Internet, in one Authentication-Results header (RFC 8601)
 * at the top of the message. Fields a sender wrote under our own authserv-id, in any spelling
 * RFC 8601 §2.2 allows ({@link AuthservId}), are {@linkplain #owns owned} by this check, so the
 * content chain removes them (§5) whether or not the check runs: no one can claim our verdict.
 * ARC-Authentication-Results (RFC 8617) is not ours to police: it is only trusted under an ARC
 * seal, which we neither add nor verify. A DMARC failure where the domain publishes p=reject is
 * refused in the session when the check says so ({@code dmarc-reject}); p=quarantine holds the
 * message when {@code dmarc-quarantine} is on.
 */
public final class AuthenticationCheck implements ContentCheck {
    private final CheckConfig.Authentication config;
    private final DnsLookup dns;

    public AuthenticationCheck(CheckConfig.Authentication config, InetSocketAddress resolver) {
        this.config = config;
        this.dns = new DnsLookup(resolver, config.timeout().dividedBy(4));
    }

    @Override
    public ContentVerdict check(ContentMessage message, ContentStep step) throws IOException {
        Envelope envelope = message.envelope();
        InetAddress client = IpLiteral.parse(envelope.client().address());
        String helo = envelope.client().helo() == null ? "" : envelope.client().helo();
        String sender = envelope.sender();
        SpfEvaluator.Outcome spf = client == null ? new SpfEvaluator.Outcome(SpfResult.NONE, null)
                : SpfEvaluator.evaluate(dns, client, sender, helo);
        String spfDomain = sender.isEmpty() ? helo : sender.substring(sender.lastIndexOf('@') + 1);
        List<DkimVerification.Result> dkim = DkimVerification.verifyAll(message, dns);
        String fromDomain = message.fromDomain();
        Dmarc.Result dmarc = Dmarc.evaluate(fromDomain, spf.result(), spfDomain, dkim, dns);

        MessageEdits changes = MessageEdits.prepend(HeaderField.of("Authentication-Results",
                header(spf.result(), sender, helo, dkim, dmarc)));
        if (dmarc.result().equals("fail")) {
            if (dmarc.disposition().equals("reject") && config.dmarcReject()) {
                return new ContentVerdict.Reject(Replies.DMARC_REJECTED.append(dmarc.fromDomain()), "dmarc");
            }
            if (dmarc.disposition().equals("quarantine") && config.dmarcQuarantine()) {
                return new ContentVerdict.Quarantine("dmarc: " + dmarc.fromDomain() + " p=quarantine", changes);
            }
        }
        return new ContentVerdict.Accept(changes);
    }

    private String header(SpfResult spf, String sender, String helo, List<DkimVerification.Result> dkim, Dmarc.Result dmarc) {
        StringBuilder value = new StringBuilder(config.authservId()).append(";");
        value.append(" spf=").append(spf.label());
        value.append(sender.isEmpty() ? " smtp.helo=" + safe(helo) : " smtp.mailfrom=" + safe(sender));
        if (dkim.isEmpty()) {
            value.append("; dkim=none");
        }
        for (DkimVerification.Result result : dkim) {
            value.append("; dkim=").append(result.result());
            if (result.reason() != null) {
                value.append(" (").append(result.reason()).append(")");
            }
            if (result.domain() != null) {
                value.append(" header.d=").append(safe(result.domain()));
            }
            if (result.selector() != null) {
                value.append(" header.s=").append(safe(result.selector()));
            }
            if (result.algorithm() != null) {
                value.append(" header.a=").append(safe(result.algorithm()));
            }
            if (result.bPrefix() != null) {
                value.append(" header.b=").append(safe(result.bPrefix()));
            }
        }
        value.append("; dmarc=").append(dmarc.result());
        if (dmarc.publishedPolicy() != null) {
            value.append(" (p=").append(dmarc.publishedPolicy()).append(" dis=").append(dmarc.disposition()).append(")");
        }
        if (dmarc.fromDomain() != null) {
            value.append(" header.from=").append(safe(dmarc.fromDomain()));
        }
        return value.toString();
    }

    /** A property value as a token: sender-supplied text cannot add properties or results. */
    private static String safe(String text) {
        String cleaned = text.replaceAll("[^\\x21-\\x7e]|[;()\"\\\\]", "");
        return cleaned.isEmpty() ? "unknown" : cleaned;
    }

    /** Authentication-Results that claims our authserv-id (or names none a reader could trust). */
    @Override
    public boolean owns(HeaderField field) {
        return field.is("Authentication-Results") && AuthservId.claims(field.value(), config.authservId());
    }
}
