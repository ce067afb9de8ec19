package io.portcullis.delivery;

import com.google.common.net.InetAddresses;
import io.portcullis.delivery.tls.CertificateFailures;
import io.portcullis.delivery.tls.MtaStsService;
import io.portcullis.delivery.tls.StsPolicy;
import io.portcullis.delivery.tls.TlsReportResult;
import io.portcullis.smtp.Replies;
import io.portcullis.smtp.Reply;
import java.io.IOException;
import java.util.Optional;

/**
 * The MTA-STS hook of the MX connector (RFC 8461 §5): one recipient domain's policy for one
 * delivery, and what it demands of each MX connection; every session's result is counted for
 * the domain's TLS report (RFC 8460).
 *
 * <ul>
 *   <li>{@code enforce}: only MX hosts matching the policy's patterns are tried (none left: {@code
 *       451 4.7.5}); each must offer STARTTLS and present a certificate that chains to the trust
 *       store ({@code mta-sts.trust} or the JDK's) and names the MX host; a host that does not is
 *       a failed attempt with {@code 451 4.7.5}, never a fall back to clear text or to an
 *       unverified certificate.</li>
 *   <li>{@code testing}: the same checks run and failures are reported, but delivery goes on as
 *       the connector's own {@code tls} setting says.</li>
 *   <li>{@code none}, no policy, or MTA-STS disabled: the connector's own setting; a domain without
 *       a policy is counted as {@code no-policy-found}.</li>
 * </ul>
 * Connections to a policy domain are never taken from the connection cache: one opened for a
 * domain without a policy may not have verified anything.
 */
final class StsDestination {
    /** How {@link #secure} left the connection. */
    enum Secured {
        /** STARTTLS done, the certificate verified for the MX host: the connector adds nothing. */
        VERIFIED,
        /** Nothing happened (no policy, or testing mode and STARTTLS not offered). */
        UNCHANGED,
        /** Testing mode and the verification failed: the connection is unusable, connect again. */
        BROKEN
    }

    static final StsDestination OFF = new StsDestination(null, null, null);

    private final MtaStsService service;
    private final String domain;
    private final StsPolicy policy;
    /** The TLS session {@link #secure} verified, for the delivery's TLS outcome. */
    private javax.net.ssl.SSLSession session;

    private StsDestination(MtaStsService service, String domain, StsPolicy policy) {
        this.service = service;
        this.domain = domain;
        this.policy = policy;
    }

    /**
     * The standing of {@code domain}: looked up (and fetched when due) when MTA-STS is on. TLS
     * reports themselves ({@code flow}) go out whatever the policy (RFC 8460 §5.3: "MUST deliver
     * reports despite any TLS-related failures") and are not counted in the next report.
     */
    static StsDestination lookUp(MtaStsService service, String domain, String flow) {
        if (service == null || !service.enabled() || io.portcullis.config.GatewayConfig.TLS_REPORT_FLOW.equals(flow)) {
            return OFF;
        }
        Optional<StsPolicy> policy = service.policies().policyFor(domain);
        return new StsDestination(service, domain, policy.filter(p -> p.mode() != StsPolicy.Mode.NONE).orElse(null));
    }

    /** The session the last {@link #secure} that returned {@code VERIFIED} established. */
    javax.net.ssl.SSLSession session() {
        return session;
    }

    /** Does a policy in mode enforce or testing apply? */
    boolean checks() {
        return policy != null;
    }

    private boolean enforces() {
        return policy != null && policy.mode() == StsPolicy.Mode.ENFORCE;
    }

    /** May this MX host be used? Under enforce only a matching one; a testing mismatch is reported. */
    boolean permits(String mxHost) {
        if (policy == null || policy.matches(mxHost)) {
            return true;
        }
        if (!enforces()) {
            record(new TlsReportResult.Failure(TlsReportResult.ResultType.VALIDATION_FAILURE, mxHost, null,
                    "MX host not in the MTA-STS policy"));
        }
        return !enforces();
    }

    /** The reply when enforce left no MX host. */
    Reply noMatchingHost() {
        record(new TlsReportResult.Failure(TlsReportResult.ResultType.VALIDATION_FAILURE, null, null,
                "no MX host matches the MTA-STS policy"));
        return Replies.TLS_REQUIRED.append("(MTA-STS: no MX host of " + domain + " matches its policy)");
    }

    /**
     * STARTTLS with the certificate verified for the MX host, as the policy demands. Under enforce
     * a failure is a {@link NextHopException} with {@code 451 4.7.5}; under testing it is reported
     * and the connector carries on.
     */
    Secured secure(SmtpClient client, NextHop hop) throws NextHopException {
        if (policy == null) {
            return Secured.UNCHANGED;
        }
        if (!policy.matches(hop.hostName())) {
            return Secured.UNCHANGED; // testing mode: reported when the host was chosen
        }
        String ip = InetAddresses.toAddrString(hop.address());
        if (!client.offers("STARTTLS")) {
            return failed(new TlsReportResult.Failure(TlsReportResult.ResultType.STARTTLS_NOT_SUPPORTED, hop.hostName(), ip,
                    null), hop, "does not offer STARTTLS", Secured.UNCHANGED);
        }
        try {
            session = client.startTls(service.trust(), true);
        } catch (IOException | NextHopException e) {
            return failed(new TlsReportResult.Failure(CertificateFailures.classify(e), hop.hostName(), ip,
                    String.valueOf(e.getMessage())), hop, String.valueOf(e.getMessage()), Secured.BROKEN);
        }
        record(new TlsReportResult.Success());
        return Secured.VERIFIED;
    }

    private Secured failed(TlsReportResult.Failure failure, NextHop hop, String reason, Secured testing) throws NextHopException {
        record(failure);
        if (enforces()) {
            throw new NextHopException(Replies.TLS_REQUIRED.append("(MTA-STS enforce: " + hop + " " + reason + ")"));
        }
        return testing;
    }

    /** Counts a session to a domain without a policy (RFC 8460 no-policy-found): did it get TLS? */
    void opened(SmtpClient client, NextHop hop, boolean offeredStartTls) {
        if (service == null || policy != null) {
            return;
        }
        service.reports().record(domain, TlsReportResult.Policy.NONE, client.isTls() ? new TlsReportResult.Success()
                : new TlsReportResult.Failure(offeredStartTls ? TlsReportResult.ResultType.VALIDATION_FAILURE
                : TlsReportResult.ResultType.STARTTLS_NOT_SUPPORTED, hop.hostName(), InetAddresses.toAddrString(hop.address()), null));
    }

    private void record(TlsReportResult.Outcome outcome) {
        service.reports().record(domain, TlsReportResult.Policy.of(policy), outcome);
    }
}
