package io.portcullis.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * MTA-STS (RFC 8461): how MX delivery uses other domains' policies, and the policy we publish for
 * our own domains.
 *
 * @param enabled           look up and apply the recipient domain's policy on MX delivery
 * @param trust             PEM CA certificates that policy servers and MX hosts of a policy domain
 *                          must chain to; null means the JDK's trust store (the Web PKI)
 * @param fetchTimeout      the whole policy fetch: connect, TLS, request and body
 * @param maxCachedPolicies policies kept (in memory and in the data directory); the one used least
 *                          recently is dropped beyond this
 * @param served            our own policy for {@code /.well-known/mta-sts.txt}, or null for none
 */
public record MtaStsConfig(boolean enabled, Path trust, Duration fetchTimeout, int maxCachedPolicies, ServedPolicy served) {
    public static final MtaStsConfig DEFAULT = new MtaStsConfig(true, null, Duration.ofSeconds(10), 10_000, null);

    /**
     * The policy we publish (RFC 8461 §3.2).
     *
     * @param mode   enforce, testing or none
     * @param mx     MX patterns: host names, or {@code *.domain} for one label
     * @param maxAge how long senders may cache it (at most 31557600 s)
     */
    public record ServedPolicy(String mode, List<String> mx, Duration maxAge) {
        public ServedPolicy {
            mx = List.copyOf(mx);
        }

        /** The policy file, lines ending in CRLF (RFC 8461 §3.2). */
        public String text() {
            StringBuilder text = new StringBuilder("version: STSv1\r\nmode: ").append(mode).append("\r\n");
            mx.forEach(pattern -> text.append("mx: ").append(pattern).append("\r\n"));
            return text.append("max_age: ").append(maxAge.toSeconds()).append("\r\n").toString();
        }
    }
}
