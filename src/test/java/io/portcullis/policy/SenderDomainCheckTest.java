package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.ClientCheckDns;
import io.portcullis.testing.ClientCheckGateway;
import io.portcullis.testing.Closing;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.io.IOException;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The sender-domain check (reject_unknown_sender_domain) against dnsmasq ({@link ClientCheckDns}):
 * a domain with an MX or an address passes; NXDOMAIN and a domain with none of those records get
 * 550 5.1.8, a null MX 550 5.7.27; a DNS failure (REFUSED, or no answer at all within the budget)
 * is only ever 450 4.1.8, never a 5xx. The null sender and address literals pass; trusted clients
 * skip; score (once per transaction) and log actions.
 */
class SenderDomainCheckTest {
    private static final String MESSAGE = "Subject: hi\r\n\r\nhello\r\n";
    private static ClientCheckDns dns;
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        dns = ClientCheckDns.start();
        gateway = ClientCheckGateway.start(dns, """
                - {name: sender-domain, type: sender-domain, timeout: 1s}
                - {name: sender-domain-skip, type: sender-domain, timeout: 1s, dns-failure: skip}
                - {name: sender-domain-score, type: sender-domain, action: score, weight: 2.5}
                - {name: sender-domain-log, type: sender-domain, action: log}
                - {name: sender-domain-tempfail, type: sender-domain, action: tempfail}
                """, """
                - name: inbound
                  bind: 127.0.0.1:0
                  phases: {mail: [sender-domain]}
                - name: skip
                  bind: 127.0.0.1:0
                  phases: {mail: [sender-domain-skip]}
                - name: scored
                  bind: 127.0.0.1:0
                  phases: {mail: [sender-domain-score], reject-score: 5}
                - name: logged
                  bind: 127.0.0.1:0
                  phases: {mail: [sender-domain-log]}
                - name: tempfail
                  bind: 127.0.0.1:0
                  phases: {mail: [sender-domain-tempfail]}
                - name: trusted
                  bind: 127.0.0.1:0
                  relay: networks
                  relay-networks: [127.0.0.20/32]
                  phases: {mail: [sender-domain]}
                """);
    }

    @AfterAll
    static void stop() throws Exception {
        Closing.closeAll(gateway, dns);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "a@mx.test | 250 2.1.0 Sender OK",
            "a@aonly.test | 250 2.1.0 Sender OK",
            "a@AOnly.Test | 250 2.1.0 Sender OK",
            "'' | 250 2.1.0 Sender OK",
            "a@[192.0.2.1] | 250 2.1.0 Sender OK",
            "a@nosuch.test | 550 5.1.8 Sender address rejected: domain not found",
            "a@txtonly.test | 550 5.1.8 Sender address rejected: domain not found",
            "a@nullmx.test | 550 5.7.27 Sender address rejected: domain does not accept mail (null MX)",
            "a@broken.test | 450 4.1.8 Sender address rejected: domain lookup failed",
            "a@slow.test | 450 4.1.8 Sender address rejected: domain lookup failed",
    })
    void checksTheSendersDomain(String sender, String reply) throws Exception {
        int queued = gateway.queued().size();
        try (SmtpScript smtp = greet("inbound", "127.0.0.2")) {
            long start = System.nanoTime();
            assertThat(mail(smtp, sender)).isEqualTo(reply);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("within the 1s budget and a margin")
                    .isLessThan(Duration.ofSeconds(6));
            if (reply.startsWith("250")) {
                smtp.send("RCPT TO:<user@example.test>").expect("250 2.1.5");
                smtp.send("DATA").expect("354");
                smtp.sendRaw(MESSAGE + ".\r\n").expect("250 2.0.0");
                queued++;
            } else {
                smtp.send("RCPT TO:<user@example.test>").expect("503 5.5.1");
            }
        }
        assertThat(gateway.queued()).hasSize(queued);
        try (SmtpScript smtp = greet("inbound", "127.0.0.2")) {
            smtp.sendMessage("a@mx.test", "user@example.test", MESSAGE); // the gateway still serves others
        }
    }

    @Test
    void dnsFailureCanBeSkipped() throws Exception {
        try (SmtpScript smtp = greet("skip", "127.0.0.2")) {
            assertThat(mail(smtp, "a@broken.test")).isEqualTo("250 2.1.0 Sender OK");
            smtp.send("RSET").expect("250");
            assertThat(mail(smtp, "a@nosuch.test")).isEqualTo("550 5.1.8 Sender address rejected: domain not found");
        }
        assertThat(metric("skip", "sender-domain-skip", "skip")).isEqualTo(1.0);
    }

    @Test
    void tempfailActionAnswersTheTemporaryForm() throws Exception {
        try (SmtpScript smtp = greet("tempfail", "127.0.0.2")) {
            assertThat(mail(smtp, "a@nosuch.test")).isEqualTo("450 4.1.8 Sender address rejected: domain not found");
        }
    }

    @Test
    void scoreAddsOncePerTransactionAndLogOnlyAccepts() throws Exception {
        try (SmtpScript smtp = greet("scored", "127.0.0.2")) {
            assertThat(mail(smtp, "a@nosuch.test")).isEqualTo("250 2.1.0 Sender OK");
            smtp.send("RSET").expect("250");
            assertThat(mail(smtp, "b@nosuch.test")).as("2.5 for this transaction only, below the reject-score 5")
                    .isEqualTo("250 2.1.0 Sender OK");
        }
        assertThat(metric("scored", "sender-domain-score", "score")).isEqualTo(2.0);
        int queued = gateway.queued().size();
        try (SmtpScript smtp = greet("logged", "127.0.0.2")) {
            smtp.sendMessage("a@nosuch.test", "user@example.test", MESSAGE);
        }
        assertThat(gateway.queued()).hasSize(queued + 1);
        assertThat(metric("logged", "sender-domain-log", "warn")).isEqualTo(1.0);
    }

    @Test
    void trustedClientSkipsTheCheck() throws Exception {
        try (SmtpScript smtp = greet("trusted", "127.0.0.20")) {
            assertThat(mail(smtp, "a@nosuch.test")).isEqualTo("250 2.1.0 Sender OK");
        }
        try (SmtpScript smtp = greet("trusted", "127.0.0.2")) {
            assertThat(mail(smtp, "a@nosuch.test")).isEqualTo("550 5.1.8 Sender address rejected: domain not found");
        }
        assertThat(metric("trusted", "sender-domain", "filter-skipped")).isEqualTo(1.0);
    }

    private static SmtpScript greet(String listener, String client) throws IOException {
        SmtpScript smtp = SmtpScript.connectFrom(client, gateway.port(listener));
        smtp.expect("220 ");
        smtp.send("EHLO client.example.org").expect("250 ");
        return smtp;
    }

    private static String mail(SmtpScript smtp, String sender) throws IOException {
        smtp.send("MAIL FROM:<" + sender + ">");
        return smtp.readReply().stripTrailing();
    }

    private static double metric(String listener, String check, String result) {
        Matcher m = Pattern.compile(Pattern.quote("portcullis_policy_verdicts_total{check=\"" + check + "\",flow=\""
                + listener + "\",listener=\"" + listener + "\",phase=\"mail\",result=\"" + result + "\"} ")
                + "(\\S+)").matcher(gateway.metrics());
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }
}
