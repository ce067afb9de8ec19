package io.portcullis.delivery.tls;

import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.util.Locale;

/** Which RFC 8460 §4.3.1 result type a failed TLS handshake is. */
public final class CertificateFailures {
    private CertificateFailures() {
    }

    public static TlsReportResult.ResultType classify(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof CertificateExpiredException || cause instanceof CertificateNotYetValidException) {
                return TlsReportResult.ResultType.CERTIFICATE_EXPIRED;
            }
            if (cause instanceof CertPathValidatorException validator
                    && validator.getReason() == CertPathValidatorException.BasicReason.EXPIRED) {
                return TlsReportResult.ResultType.CERTIFICATE_EXPIRED;
            }
            String message = String.valueOf(cause.getMessage()).toLowerCase(Locale.ROOT);
            if (message.contains("no subject alternative") || message.contains("no name matching")) {
                return TlsReportResult.ResultType.CERTIFICATE_HOST_MISMATCH;
            }
            if (message.contains("pkix path") || message.contains("unable to find valid certification path")) {
                return TlsReportResult.ResultType.CERTIFICATE_NOT_TRUSTED;
            }
        }
        return TlsReportResult.ResultType.VALIDATION_FAILURE;
    }
}
