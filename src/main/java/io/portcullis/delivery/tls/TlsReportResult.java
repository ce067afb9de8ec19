package io.portcullis.delivery.tls;

import java.util.List;
import java.util.Locale;

/**
 * What one session (or policy lookup) contributes to a TLS report (RFC 8460 §4): the policy that
 * applied and whether TLS as that policy demands succeeded, or which failure it met.
 */
public final class TlsReportResult {
    private TlsReportResult() {
    }

    /** RFC 8460 §4.3 policy-type. */
    public enum PolicyType {
        STS, TLSA, NO_POLICY_FOUND;

        public String text() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        static PolicyType of(String text) {
            return valueOf(text.toUpperCase(Locale.ROOT).replace('-', '_'));
        }
    }

    /** RFC 8460 §4.3 result-type: negotiation failures (§4.3.1), policy failures (§4.3.2, §4.3.3), general (§4.3.4). */
    public enum ResultType {
        STARTTLS_NOT_SUPPORTED, CERTIFICATE_HOST_MISMATCH, CERTIFICATE_EXPIRED, CERTIFICATE_NOT_TRUSTED,
        VALIDATION_FAILURE, TLSA_INVALID, DNSSEC_INVALID, DANE_REQUIRED, STS_POLICY_FETCH_ERROR,
        STS_POLICY_INVALID, STS_WEBPKI_INVALID;

        public String text() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        static ResultType of(String text) {
            return valueOf(text.toUpperCase(Locale.ROOT).replace('-', '_'));
        }
    }

    /**
     * The policy a session ran under (RFC 8460 §4.3 "policy"): its type, its text one line an item
     * ({@code policy-string}) and, for STS, its MX patterns ({@code mx-host}).
     */
    public record Policy(PolicyType type, List<String> policyStrings, List<String> mxHosts) {
        public static final Policy NONE = new Policy(PolicyType.NO_POLICY_FOUND, List.of(), List.of());

        public Policy {
            policyStrings = List.copyOf(policyStrings);
            mxHosts = List.copyOf(mxHosts);
        }

        public static Policy of(StsPolicy policy) {
            return new Policy(PolicyType.STS, policy.policyStrings(), policy.mx());
        }
    }

    /** A session's result: {@link Success} or a {@link Failure} with its details. */
    public sealed interface Outcome permits Success, Failure {
    }

    public record Success() implements Outcome {
    }

    /**
     * RFC 8460 §4.4 failure details; any of the strings may be null when unknown.
     *
     * @param additionalInformation a short reason (a URI in the RFC; we give text)
     */
    public record Failure(ResultType type, String receivingMxHostname, String receivingIp, String additionalInformation)
            implements Outcome {
    }
}
