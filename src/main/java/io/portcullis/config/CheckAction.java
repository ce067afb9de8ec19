package io.portcullis.config;

import java.util.Locale;

/**
 * What a client check does when it finds what it looks for ({@code action:} and {@code weight:}):
 * refuse for good (5xx), refuse for now (4xx), add {@code weight} to the session's score (the
 * listener's {@code reject-score} decides), or only log and count it.
 *
 * @param weight                 the points of {@link Kind#SCORE} (negative for a good sign)
 * @param tempfailOnDnsFailure when the DNS answer could not be had (timeout, SERVFAIL):
 *                             {@code dns-failure: tempfail} (true) refuses for now (4xx),
 *                             {@code skip} (false) lets the command go on; only a refusing action
 *                             refuses, a scoring or logging one always skips
 */
public record CheckAction(Kind kind, double weight, boolean tempfailOnDnsFailure) {

    public enum Kind {
        REJECT, TEMPFAIL, SCORE, LOG;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Reject, temporary refusal when DNS fails. */
    public static final CheckAction DEFAULT = new CheckAction(Kind.REJECT, 1, true);

    public boolean refuses() {
        return kind == Kind.REJECT || kind == Kind.TEMPFAIL;
    }
}
