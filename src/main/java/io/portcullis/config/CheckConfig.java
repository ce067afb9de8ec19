package io.portcullis.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A content check, defined once under {@code checks:} and named in the listeners' chains. Each
 * knows its default time budget; a chain step may shorten or lengthen it per listener.
 */
public sealed interface CheckConfig {
    String name();

    Duration timeout();

    /** SpamAssassin's spamd over the SPAMC/SPAMD protocol; messages above max-size are not scanned. */
    record Spamd(String name, Endpoint endpoint, Duration timeout, long maxSize, double markScore,
                 double rejectScore) implements CheckConfig {
    }

    /** Any milter (Sendmail/Postfix milter protocol, version 6): opendkim, rspamd's proxy, ... */
    record Milter(String name, Endpoint endpoint, Duration timeout) implements CheckConfig {
    }

    /** Rspamd's normal worker over HTTP ({@code POST /checkv2}); the score is held against our thresholds. */
    record Rspamd(String name, java.net.URI url, Duration timeout, long maxSize, double markScore, double rejectScore)
            implements CheckConfig {
    }

    /**
     * Sender authentication of mail from the Internet: SPF, DKIM and DMARC, reported in one
     * Authentication-Results header under {@code authservId}. A DMARC failure under p=reject is
     * refused when {@code dmarcReject}, one under p=quarantine is held when {@code dmarcQuarantine}.
     */
    record Authentication(String name, Duration timeout, String authservId, boolean dmarcReject,
                          boolean dmarcQuarantine) implements CheckConfig {
    }

    /** ClamAV's clamd, fed with INSTREAM. */
    record Clamd(String name, Endpoint endpoint, Duration timeout, long maxSize) implements CheckConfig {
    }

    /**
     * Built-in rules: regular expressions (RE2 syntax, linear time) on unfolded header fields and on
     * the lines of decoded text parts, and attachment blocking by file name and declared type.
     */
    record Rules(String name, Duration timeout, List<PatternRule> headerChecks, List<PatternRule> bodyChecks,
                 List<String> blockedFileNames, List<String> blockedTypes, int maxNesting, long maxBodyScan)
            implements CheckConfig {
        public Rules {
            headerChecks = List.copyOf(headerChecks);
            bodyChecks = List.copyOf(bodyChecks);
            blockedFileNames = List.copyOf(blockedFileNames);
            blockedTypes = List.copyOf(blockedTypes);
        }
    }

    /**
     * A disclaimer appended to the text of mail whose From: domain is listed (every domain when
     * the list is empty).
     *
     * @param html the HTML form, or null for the text, escaped, in a paragraph
     */
    record Disclaimer(String name, Duration timeout, String text, String html, List<String> senderDomains)
            implements CheckConfig {
        public Disclaimer {
            senderDomains = List.copyOf(senderDomains);
        }
    }

    /**
     * A copy of every message that reaches this step: queued to an archive address (flow
     * {@code archive}, null sender) or written to a folder as {@code .eml} with its envelope as
     * {@code .json} beside it, under a folder per UTC day. Exactly one of the two is set.
     */
    record Archive(String name, Duration timeout, String address, Path folder) implements CheckConfig {
    }

    /**
     * DKIM signing (RFC 6376; Ed25519 per RFC 8463) of mail whose From: domain is one of the keys'
     * domains or below it. Every key for that domain signs (RSA and Ed25519 side by side).
     *
     * @param signedHeaders header field names signed when present; From: is signed once more than it
     *                      occurs, so no second From: can be added without breaking the signature
     */
    record DkimSign(String name, Duration timeout, List<DkimKey> keys, List<String> signedHeaders)
            implements CheckConfig {
        public DkimSign {
            keys = List.copyOf(keys);
            signedHeaders = List.copyOf(signedHeaders);
        }
    }

    /**
     * One signing key. Without a key file the key is generated at first start into the data
     * directory ({@code dkim/SELECTOR._domainkey.DOMAIN.ALGORITHM.pem}, with the DNS record beside it).
     */
    record DkimKey(String domain, String selector, DkimAlgorithm algorithm, Path keyFile) {
    }

    enum DkimAlgorithm {
        RSA_SHA256("rsa-sha256", "rsa"), ED25519_SHA256("ed25519-sha256", "ed25519");

        private final String tag;
        private final String keyType;

        DkimAlgorithm(String tag, String keyType) {
            this.tag = tag;
            this.keyType = keyType;
        }

        /** The a= tag value. */
        public String tag() {
            return tag;
        }

        /** The k= tag value of the DNS record. */
        public String keyType() {
            return keyType;
        }
    }

    /** Where a scanner listens: a TCP host and port, or a Unix domain socket. */
    record Endpoint(String host, int port, Path unixSocket) {
        @Override
        public String toString() {
            return unixSocket != null ? unixSocket.toString() : host + ":" + port;
        }
    }

    /** What a matching rule does; the text is the reply text (reject, tempfail) or the reason (quarantine). */
    record PatternRule(String pattern, RuleAction action, String text) {
    }

    enum RuleAction { REJECT, TEMPFAIL, QUARANTINE }
}
