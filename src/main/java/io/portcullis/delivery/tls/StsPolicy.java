package io.portcullis.delivery.tls;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One domain's MTA-STS policy (RFC 8461 §3.2) as fetched, with the TXT id it was fetched under.
 *
 * @param id      the {@code id} of the {@code _mta-sts} TXT record when it was fetched
 * @param mx      MX patterns, lower case: host names or {@code *.domain}
 * @param maxAge  seconds it may be cached, at most {@link #MAX_AGE_LIMIT}
 * @param fetched when it was fetched (its cache lifetime starts here)
 */
public record StsPolicy(String id, Mode mode, List<String> mx, long maxAge, Instant fetched) {
    /** RFC 8461 §3.2: max_age is at most 31557600 seconds (about a year). */
    public static final long MAX_AGE_LIMIT = 31_557_600;

    public enum Mode {
        /** Deliver only to matching MX hosts with a valid certificate; otherwise defer. */
        ENFORCE,
        /** Check and report, but deliver as if there were no policy. */
        TESTING,
        /** The domain has withdrawn its policy. */
        NONE;

        public String text() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public StsPolicy {
        mx = List.copyOf(mx);
    }

    public Instant expires() {
        return fetched.plus(Duration.ofSeconds(maxAge));
    }

    public boolean isExpired(Instant now) {
        return !now.isBefore(expires());
    }

    /**
     * Does {@code mxHost} match one of the patterns (RFC 8461 §4.1)? Case does not matter, a final
     * dot is ignored, and a wildcard stands for exactly one leftmost label: {@code *.example.com}
     * matches {@code mx.example.com}, not {@code example.com} nor {@code a.b.example.com}.
     */
    public boolean matches(String mxHost) {
        String host = mxHost.toLowerCase(Locale.ROOT);
        if (host.endsWith(".")) {
            host = host.substring(0, host.length() - 1);
        }
        for (String pattern : mx) {
            if (pattern.startsWith("*.")) {
                int dot = host.indexOf('.');
                if (dot > 0 && host.substring(dot + 1).equals(pattern.substring(2))) {
                    return true;
                }
            } else if (host.equals(pattern)) {
                return true;
            }
        }
        return false;
    }

    /** The policy as its fields, one a line: the {@code policy-string} of a TLS report (RFC 8460 §4.3). */
    public List<String> policyStrings() {
        List<String> lines = new ArrayList<>();
        lines.add("version: STSv1");
        lines.add("mode: " + mode.text());
        mx.forEach(pattern -> lines.add("mx: " + pattern));
        lines.add("max_age: " + maxAge);
        return lines;
    }
}
