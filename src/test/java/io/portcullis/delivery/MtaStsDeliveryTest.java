package io.portcullis.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.portcullis.spool.DeliveryRecord;
import io.portcullis.spool.Envelope;
import io.portcullis.spool.Json;
import io.portcullis.testing.Closing;
import io.portcullis.testing.Dnsmasq;
import io.portcullis.testing.Eventually;
import io.portcullis.testing.PolicyServer;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.SmtpSink;
import io.portcullis.testing.TestCa;
import io.portcullis.testing.TestGateway;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * MTA-STS on MX delivery and the TLS reports about it, with real peers only: dnsmasq answers MX,
 * A and TXT records; the policies are served over HTTPS on port 443 by the JDK's HttpsServer
 * with a certificate from a test CA (trusted through {@code mta-sts.trust}); the receiving MX is
 * a second Portcullis whose certificate, from the same CA, names {@code mx.right.test} only, so
 * reached as {@code mx.wrong.test} it presents a trusted certificate for the wrong name; a
 * Postfix smtp-sink on 127.0.0.2 is an MX that offers no STARTTLS (as after a stripping attack).
 */
class MtaStsDeliveryTest {
    private static final String ENFORCE_WRONG = "version: STSv1\nmode: enforce\nmx: mx.wrong.test\nmax_age: 86400\n";
    private static TestCa ca;
    private static PolicyServer policies;
    private static TestGateway nextHop;
    private static SmtpSink plainMx;
    private static Dnsmasq dns;
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        ca = new TestCa("MTA-STS delivery test CA");
        Path files = Files.createTempDirectory("mta-sts-delivery");
        Path trust = ca.writeTrust(files.resolve("ca.pem"));
        ca.issue("mx.right.test").write(files.resolve("mx.pem"), files.resolve("mx-key.pem"));
        String[] domains = {"enforce.test", "verified.test", "testing.test", "nomatch.test", "stripped.test"};
        List<String> names = new ArrayList<>(List.of("reports.test"));
        for (String domain : domains) {
            names.add("mta-sts." + domain);
        }
        policies = PolicyServer.start(ca.issue(names.toArray(String[]::new)).serverContext());
        policies.answer("mta-sts.enforce.test", PolicyServer.Answer.policy(ENFORCE_WRONG));
        policies.answer("mta-sts.verified.test", PolicyServer.Answer.policy(
                "version: STSv1\nmode: enforce\nmx: mx.right.test\nmax_age: 86400\n"));
        policies.answer("mta-sts.testing.test", PolicyServer.Answer.policy(
                "version: STSv1\nmode: testing\nmx: mx.wrong.test\nmax_age: 86400\n"));
        policies.answer("mta-sts.nomatch.test", PolicyServer.Answer.policy(
                "version: STSv1\nmode: enforce\nmx: mx.elsewhere.test\nmax_age: 86400\n"));
        policies.answer("mta-sts.stripped.test", PolicyServer.Answer.policy(
                "version: STSv1\nmode: enforce\nmx: mx.stripped.test\nmax_age: 86400\n"));

        Path shared = TestGateway.sharedTls();
        String accepted = String.join(", ", domains);
        nextHop = TestGateway.startYaml(TestGateway.defaultYaml("")
                .replace(shared.resolve("certificate.pem").toString(), files.resolve("mx.pem").toString())
                .replace(shared.resolve("key.pem").toString(), files.resolve("mx-key.pem").toString())
                .replace("domains: [example.test]", "domains: [example.test, " + accepted + "]")
                .replace("- domains: [example.test, \"*.example.test\"]",
                        "- domains: [example.test, \"*.example.test\", " + accepted + "]"));
        plainMx = SmtpSink.startOn("127.0.0.2", nextHop.inboundPort());

        List<String> records = new ArrayList<>(List.of(
                "--mx-host=enforce.test,mx.wrong.test,10", "--mx-host=testing.test,mx.wrong.test,10",
                "--mx-host=verified.test,mx.right.test,10", "--mx-host=nomatch.test,mx.right.test,10",
                "--mx-host=stripped.test,mx.stripped.test,10",
                "--host-record=mx.right.test,127.0.0.1", "--host-record=mx.wrong.test,127.0.0.1",
                "--host-record=mx.stripped.test,127.0.0.2",
                "--host-record=reports.test," + policies.address(),
                Dnsmasq.txtRecord("_smtp._tls.testing.test", "v=TLSRPTv1; rua=mailto:tlsrpt@reports.test"),
                Dnsmasq.txtRecord("_smtp._tls.enforce.test", "v=TLSRPTv1; rua=https://reports.test/v1/tlsrpt"),
                Dnsmasq.txtRecord("_smtp._tls.stripped.test", "v=TLSRPTv1; rua=mailto:tlsrpt@enforce.test")));
        for (String domain : domains) {
            records.add("--host-record=mta-sts." + domain + "," + policies.address());
            records.add(Dnsmasq.txtRecord("_mta-sts." + domain, "v=STSv1; id=1;"));
        }
        dns = Dnsmasq.start(records.toArray(String[]::new));
        gateway = TestGateway.startYaml(TestGateway.deliveringYaml("""
                domains: [example.test]
                connectors:
                  - name: internet
                    type: mx
                    port: %1$d
                    allow-internal-addresses: [127.0.0.0/8]
                  - name: reports
                    type: drop
                    folder: drop/reports
                routes:
                  - domains: [reports.test]
                    connector: reports
                  - domains: ["*"]
                    connector: internet
                delivery:
                  retry: [1h]
                  dns-resolver: 127.0.0.1:%2$d
                mta-sts:
                  trust: %3$s
                tls-reports:
                  organization-name: Portcullis Test
                  contact-info: mailto:postmaster@gateway.test
                """.formatted(nextHop.inboundPort(), dns.port(), trust)));
    }

    @AfterAll
    static void stop() throws Exception {
        Closing.closeAll(gateway, dns, plainMx, nextHop, policies);
    }

    private static String send(String recipient) throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(gateway.port("outbound"))) {
            smtp.expect("220").send("EHLO internal.example.test").expect("250 ");
            return smtp.sendMessage("sender@example.test", recipient, "Subject: mta-sts\r\n\r\nx\r\n");
        }
    }

    private static boolean nextHopHas(String recipient) throws Exception {
        for (String id : nextHop.queued()) {
            if (nextHop.envelope(id).recipients().stream().anyMatch(r -> r.address().equals(recipient))) {
                return true;
            }
        }
        return false;
    }

    private static void assertDeferred(String recipient, String reason) throws Exception {
        String id = send(recipient);
        List<DeliveryRecord> journal = gateway.awaitJournal(id, DeliveryRecord.Type.DEFERRED, 60);
        assertThat(journal.getFirst().reply()).startsWith("451 4.7.5 TLS is required but could not be established").contains(reason);
        assertThat(gateway.queued()).as("kept for a retry").contains(id);
        assertThat(nextHopHas(recipient)).as("nothing reached the MX").isFalse();
        stillResponsive();
    }

    /** A fresh client still completes a transaction (queued for a domain the gateway accepts). */
    private static void stillResponsive() throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(gateway.inboundPort())) {
            smtp.expect("220").send("EHLO client.test").expect("250 ").send("MAIL FROM:<a@client.test>").expect("250 2.1.0")
                    .send("RCPT TO:<postmaster@example.test>").expect("250 2.1.5").send("RSET").expect("250 ");
        }
    }

    @Test
    void enforceWithACertificateForAnotherNameIsDeferredAndNothingIsSent() throws Exception {
        assertDeferred("user@enforce.test", "No subject alternative DNS name matching mx.wrong.test found");
    }

    @Test
    void enforceWithAnMxThatOffersNoStartTlsIsDeferred() throws Exception {
        assertDeferred("user@stripped.test", "does not offer STARTTLS");
        assertThat(plainMx.transactions()).as("nothing sent in clear text").isEmpty();
    }

    @Test
    void aReportGoesOutDespiteTheEnforcePolicyOfItsOwnDestination() throws Exception {
        assertDeferred("user@stripped.test", "does not offer STARTTLS");
        List<String> outcomes = gateway.mtaSts().sendDue(true);
        assertThat(outcomes).anyMatch(line -> line.startsWith("stripped.test mailto:tlsrpt@enforce.test: queued as "));
        // enforce.test's MX presents a certificate for another name: ordinary mail to it waits
        // (see above), its TLS report is delivered all the same (RFC 8460 §5.3)
        Eventually.await(Duration.ofSeconds(60), "the report at enforce.test's MX", () -> nextHopHas("tlsrpt@enforce.test"));
    }

    @Test
    void enforceWithNoMxMatchingThePolicyIsDeferred() throws Exception {
        assertDeferred("user@nomatch.test", "no MX host of nomatch.test matches its policy");
    }

    @Test
    void enforceWithAVerifiedCertificateDelivers() throws Exception {
        String id = send("user@verified.test");
        Eventually.await(Duration.ofSeconds(60), "delivered", () -> !gateway.queued().contains(id));
        assertThat(nextHopHas("user@verified.test")).isTrue();
        Envelope received = receivedFor("user@verified.test");
        assertThat(received.client().tlsProtocol()).startsWith("TLSv1.");
    }

    @Test
    void testingModeDeliversAndTheFailureIsReportedByMail() throws Exception {
        String id = send("user@testing.test");
        Eventually.await(Duration.ofSeconds(60), "delivered", () -> !gateway.queued().contains(id));
        assertThat(nextHopHas("user@testing.test")).as("testing mode delivers").isTrue();

        List<String> outcomes = gateway.mtaSts().sendDue(true);
        assertThat(outcomes).anyMatch(line -> line.startsWith("testing.test mailto:tlsrpt@reports.test: queued as "));
        Path folder = gateway.dataDirectory().resolve("drop/reports");
        Path eml = Eventually.value(Duration.ofSeconds(60), "the report in the drop folder", () -> {
            if (!Files.isDirectory(folder)) {
                return null;
            }
            try (var files = Files.list(folder)) {
                return files.filter(p -> p.toString().endsWith(".eml")).findFirst().orElse(null);
            }
        }, p -> p != null);
        String mail = Files.readString(eml);
        assertThat(mail).contains("TLS-Report-Domain: testing.test", "Subject: Report Domain: testing.test Submitter: gateway.test",
                "Content-Type: multipart/report; report-type=\"tlsrpt\"", "Content-Type: application/tlsrpt+gzip",
                "filename=\"gateway.test!testing.test!");
        Envelope envelope = Json.MAPPER.readValue(Files.readAllBytes(Path.of(eml.toString().replace(".eml", ".json"))), Envelope.class);
        assertThat(envelope.sender()).as("null sender").isEmpty();
        assertThat(envelope.flow()).isEqualTo("tls-report");
        JsonNode report = attachedReport(mail);
        assertReportFields(report, "testing.test");
        JsonNode policy = policyOf(report, "sts");
        assertThat(policy.path("policy").path("mx-host").get(0).asText()).isEqualTo("mx.wrong.test");
        assertThat(policy.path("policy").path("policy-string").toString()).contains("mode: testing");
        assertThat(policy.path("summary").path("total-failure-session-count").asLong()).isGreaterThanOrEqualTo(1);
        JsonNode detail = policy.path("failure-details").get(0);
        assertThat(detail.path("result-type").asText()).isEqualTo("certificate-host-mismatch");
        assertThat(detail.path("receiving-mx-hostname").asText()).isEqualTo("mx.wrong.test");
        assertThat(detail.path("receiving-ip").asText()).isEqualTo("127.0.0.1");
        assertThat(detail.path("failed-session-count").asLong()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void anEnforceFailureIsReportedByHttpsPost() throws Exception {
        assertDeferred("user@enforce.test", "No subject alternative DNS name matching mx.wrong.test found");
        List<String> outcomes = gateway.mtaSts().sendDue(true);
        assertThat(outcomes).anyMatch(line -> line.equals("enforce.test https://reports.test/v1/tlsrpt: posted (HTTP 201)"));
        PolicyServer.Post post = policies.posts().stream().filter(p -> p.path().equals("/v1/tlsrpt")).findFirst().orElseThrow();
        assertThat(post.contentType()).isEqualTo("application/tlsrpt+gzip");
        assertThat(post.host()).isEqualTo("reports.test");
        JsonNode report = Json.MAPPER.readTree(new GZIPInputStream(new ByteArrayInputStream(post.body())));
        assertReportFields(report, "enforce.test");
        JsonNode policy = policyOf(report, "sts");
        assertThat(policy.path("failure-details").get(0).path("result-type").asText()).isEqualTo("certificate-host-mismatch");
        assertThat(policy.path("summary").path("total-successful-session-count").asLong()).isZero();
    }

    private static void assertReportFields(JsonNode report, String domain) {
        assertThat(report.path("organization-name").asText()).isEqualTo("Portcullis Test");
        assertThat(report.path("contact-info").asText()).isEqualTo("mailto:postmaster@gateway.test");
        assertThat(report.path("report-id").asText()).isNotBlank();
        assertThat(java.time.Instant.parse(report.path("date-range").path("start-datetime").asText()))
                .isBeforeOrEqualTo(java.time.Instant.parse(report.path("date-range").path("end-datetime").asText()));
        assertThat(report.path("policies").isArray()).isTrue();
        for (JsonNode policy : report.path("policies")) {
            assertThat(policy.path("policy").path("policy-domain").asText()).isEqualTo(domain);
            assertThat(policy.path("policy").path("policy-type").asText()).isIn("sts", "tlsa", "no-policy-found");
            assertThat(policy.path("summary").has("total-successful-session-count")).isTrue();
            assertThat(policy.path("summary").has("total-failure-session-count")).isTrue();
        }
    }

    private static JsonNode policyOf(JsonNode report, String type) {
        for (JsonNode policy : report.path("policies")) {
            if (policy.path("policy").path("policy-type").asText().equals(type)) {
                return policy;
            }
        }
        throw new AssertionError("no " + type + " policy in " + report);
    }

    /** The gzip'd JSON attachment of a report mail. */
    private static JsonNode attachedReport(String mail) throws Exception {
        int start = mail.indexOf("\r\n\r\n", mail.indexOf("Content-Type: application/tlsrpt+gzip")) + 4;
        String base64 = mail.substring(start, mail.indexOf("\r\n--", start)).replace("\r\n", "");
        byte[] gzipped = java.util.Base64.getDecoder().decode(base64);
        return Json.MAPPER.readTree(new GZIPInputStream(new ByteArrayInputStream(gzipped)));
    }

    private static Envelope receivedFor(String recipient) throws Exception {
        for (String id : nextHop.queued()) {
            Envelope envelope = nextHop.envelope(id);
            if (envelope.recipients().stream().anyMatch(r -> r.address().equals(recipient))) {
                return envelope;
            }
        }
        throw new AssertionError("nothing for " + recipient);
    }
}
