package io.portcullis.delivery.tls;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.portcullis.config.GatewayConfig;
import io.portcullis.config.TlsReportConfig;
import io.portcullis.smtp.Mailbox;
import io.portcullis.smtp.PathParser;
import io.portcullis.smtp.SyntaxException;
import io.portcullis.spool.Envelope;
import io.portcullis.spool.IncomingMessage;
import io.portcullis.spool.Json;
import io.portcullis.spool.Spool;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a period's reports (RFC 8460 §4, §5): for each policy domain, the JSON report, gzip'd, to
 * each {@code rua} of its {@code _smtp._tls} TXT record. A {@code mailto:} address gets a
 * {@code multipart/report; report-type="tlsrpt"} message (§5.3) queued in our own spool in the
 * {@value GatewayConfig#TLS_REPORT_FLOW} flow from the null sender with NOTIFY=NEVER, so a report
 * that cannot be delivered never bounces and is retried like any mail; an {@code https:} address
 * gets a POST of {@code application/tlsrpt+gzip} (§5.4), tried once. A domain without the record
 * gets no report.
 */
public final class TlsReportSender {
    private static final Logger log = LoggerFactory.getLogger(TlsReportSender.class);
    static final String MEDIA_TYPE = "application/tlsrpt+gzip";
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ENGLISH);

    private final TlsReportConfig config;
    private final String hostname;
    private final PolicyDns dns;
    private final PolicyHttps https;
    private final Spool spool;
    private final Clock clock;

    public TlsReportSender(TlsReportConfig config, String hostname, PolicyDns dns, PolicyHttps https, Spool spool, Clock clock) {
        this.config = config;
        this.hostname = hostname;
        this.dns = dns;
        this.https = https;
        this.spool = spool;
        this.clock = clock;
    }

    /** Sends every domain's report of {@code period}; returns one line per report address, saying what happened. */
    public List<String> send(TlsReports.Period period) {
        List<String> outcomes = new ArrayList<>();
        period.domains().forEach((domain, policies) -> {
            PolicyDns.TxtAnswer answer = dns.txt("_smtp._tls." + domain);
            List<URI> addresses = answer instanceof PolicyDns.Texts texts ? PolicyRecords.reportAddresses(texts.texts()) : List.of();
            if (addresses.isEmpty()) {
                outcomes.add(domain + ": no TLSRPT record, no report");
                return;
            }
            String reportId = period.day() + "." + HexFormat.of().formatHex(randomBytes()) + "@" + hostname;
            byte[] gzipped;
            try {
                gzipped = gzip(Json.MAPPER.writeValueAsBytes(report(period, domain, policies, reportId)));
            } catch (IOException e) {
                outcomes.add(domain + ": cannot build the report: " + e.getMessage());
                return;
            }
            for (URI address : addresses) {
                outcomes.add(domain + " " + address + ": " + deliver(address, domain, reportId, period.start(), gzipped));
            }
        });
        outcomes.forEach(line -> log.info("tls-reports: {}", line));
        return outcomes;
    }

    private Instant endOf(TlsReports.Period period) {
        Instant end = period.day().plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC).minusSeconds(1);
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        return now.isBefore(end) ? now : end;
    }

    /** The report object of RFC 8460 §4.4, fields in the RFC's order. */
    ObjectNode report(TlsReports.Period period, String domain, List<TlsReports.PolicyCounts> policies, String reportId) {
        ObjectNode report = Json.MAPPER.createObjectNode();
        report.put("organization-name", config.organizationName());
        ObjectNode range = report.putObject("date-range");
        range.put("start-datetime", period.start().truncatedTo(ChronoUnit.SECONDS).toString());
        range.put("end-datetime", endOf(period).toString());
        report.put("contact-info", config.contactInfo());
        report.put("report-id", reportId);
        ArrayNode list = report.putArray("policies");
        for (TlsReports.PolicyCounts counts : policies) {
            ObjectNode entry = list.addObject();
            ObjectNode policy = entry.putObject("policy");
            policy.put("policy-type", counts.policyType());
            if (!counts.policyStrings().isEmpty()) {
                ArrayNode strings = policy.putArray("policy-string");
                counts.policyStrings().forEach(strings::add);
            }
            policy.put("policy-domain", domain);
            if (!counts.mxHosts().isEmpty()) {
                ArrayNode mx = policy.putArray("mx-host");
                counts.mxHosts().forEach(mx::add);
            }
            ObjectNode summary = entry.putObject("summary");
            summary.put("total-successful-session-count", counts.successful());
            summary.put("total-failure-session-count", counts.failed());
            if (!counts.details().isEmpty()) {
                ArrayNode details = entry.putArray("failure-details");
                for (TlsReports.Detail detail : counts.details()) {
                    ObjectNode item = details.addObject();
                    item.put("result-type", detail.resultType());
                    if (detail.receivingMxHostname() != null) {
                        item.put("receiving-mx-hostname", detail.receivingMxHostname());
                    }
                    if (detail.receivingIp() != null) {
                        item.put("receiving-ip", detail.receivingIp());
                    }
                    item.put("failed-session-count", detail.count());
                    if (detail.additionalInformation() != null) {
                        item.put("additional-information", detail.additionalInformation());
                    }
                }
            }
        }
        return report;
    }

    private String deliver(URI address, String domain, String reportId, Instant start, byte[] gzipped) {
        if ("https".equalsIgnoreCase(address.getScheme())) {
            try {
                PolicyHttps.Response response = https.post(address, MEDIA_TYPE, gzipped);
                return response.status() / 100 == 2 ? "posted (HTTP " + response.status() + ")"
                        : "refused (HTTP " + response.status() + ")";
            } catch (IOException e) {
                return "post failed: " + e.getMessage();
            }
        }
        String ssp = address.getRawSchemeSpecificPart();
        int query = ssp.indexOf('?');
        String recipient = URLDecoder.decode(query < 0 ? ssp : ssp.substring(0, query), StandardCharsets.UTF_8);
        Mailbox mailbox;
        try {
            mailbox = PathParser.parseMailbox(recipient);
        } catch (SyntaxException e) {
            return "not a mailbox: " + e.getMessage();
        }
        if (!Mailbox.isAscii(recipient)) {
            return "not sent: the address needs SMTPUTF8";
        }
        try {
            return "queued as " + queue(mailbox.localPart() + "@" + mailbox.canonicalDomain(), domain, reportId, start, gzipped);
        } catch (IOException e) {
            return "cannot queue: " + e.getMessage();
        }
    }

    /** The report mail of RFC 8460 §5.3, committed to the spool; returns its queue id. */
    private String queue(String recipient, String domain, String reportId, Instant start, byte[] gzipped) throws IOException {
        String boundary = "tlsrpt-" + HexFormat.of().formatHex(randomBytes());
        // §5.1: sender!policy-domain!begin-timestamp!end-timestamp!unique-id.json.gz
        String filename = hostname + "!" + domain + "!" + start.getEpochSecond() + "!" + clock.instant().getEpochSecond()
                + "!" + reportId.substring(0, reportId.indexOf('@')) + ".json.gz";
        StringBuilder text = new StringBuilder()
                .append("From: TLS reports <noreply-tls-reports@").append(hostname).append(">\r\n")
                .append("To: <").append(recipient).append(">\r\n")
                .append("Subject: Report Domain: ").append(domain).append(" Submitter: ").append(hostname)
                .append(" Report-ID: <").append(reportId).append(">\r\n")
                .append("Date: ").append(DATE.format(ZonedDateTime.now(clock))).append("\r\n")
                .append("Message-ID: <").append(reportId).append(">\r\n")
                .append("TLS-Report-Domain: ").append(domain).append("\r\n")
                .append("TLS-Report-Submitter: ").append(hostname).append("\r\n")
                .append("MIME-Version: 1.0\r\n")
                .append("Content-Type: multipart/report; report-type=\"tlsrpt\";\r\n\tboundary=\"").append(boundary).append("\"\r\n")
                .append("\r\n")
                .append("--").append(boundary).append("\r\n")
                .append("Content-Type: text/plain; charset=us-ascii\r\n\r\n")
                .append("This is an aggregate TLS report (RFC 8460) from ").append(hostname).append(" about mail sent to ")
                .append(domain).append(".\r\n\r\n")
                .append("--").append(boundary).append("\r\n")
                .append("Content-Type: ").append(MEDIA_TYPE).append("\r\n")
                .append("Content-Transfer-Encoding: base64\r\n")
                .append("Content-Disposition: attachment;\r\n\tfilename=\"").append(filename).append("\"\r\n\r\n")
                .append(Base64.getMimeEncoder(76, new byte[] {'\r', '\n'}).encodeToString(gzipped)).append("\r\n")
                .append("--").append(boundary).append("--\r\n");
        byte[] content = text.toString().getBytes(StandardCharsets.US_ASCII);
        try (IncomingMessage message = spool.create()) {
            message.content().write(content);
            String flow = GatewayConfig.TLS_REPORT_FLOW;
            Envelope envelope = new Envelope(Envelope.CURRENT_VERSION, message.id(), flow, flow, clock.instant(),
                    new Envelope.Client("127.0.0.1", 0, hostname, "LOCAL", null, null, null), "", null, "7BIT", false,
                    null, null, List.of(new Envelope.Recipient(recipient, List.of("NEVER"), null)), content.length,
                    "<" + reportId + ">", null);
            message.commit(envelope);
            return message.id();
        }
    }

    static byte[] gzip(byte[] json) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
            gzip.write(json);
        }
        return bytes.toByteArray();
    }

    private static byte[] randomBytes() {
        byte[] random = new byte[8];
        new java.security.SecureRandom().nextBytes(random);
        return random;
    }
}
