package io.portcullis.config;

import java.util.List;

/**
 * TLS reporting (RFC 8460): the daily aggregate reports we send about our outbound sessions, and
 * the {@code rua} we publish for reports about mail sent to us.
 *
 * @param send             send the daily reports to each policy domain's {@code rua}
 * @param organizationName the report's organization-name
 * @param contactInfo      the report's contact-info (an address or URL)
 * @param rua              where others should send reports about us ({@code mailto:} or {@code https:}),
 *                         printed by {@code portcullis tls-records}
 * @param maxDomains       policy domains counted per day; sessions to further domains are not counted
 */
public record TlsReportConfig(boolean send, String organizationName, String contactInfo, List<String> rua, int maxDomains) {
    public TlsReportConfig {
        rua = List.copyOf(rua);
    }

    public static TlsReportConfig defaults(String hostname) {
        return new TlsReportConfig(true, hostname, "postmaster@" + hostname, List.of(), 10_000);
    }
}
