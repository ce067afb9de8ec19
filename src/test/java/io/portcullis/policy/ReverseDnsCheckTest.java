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
 * The reverse-dns check (forward-confirmed reverse DNS) against real PTR and A records served by
 * dnsmasq ({@link ClientCheckDns}), with clients bound to 127.0.0.x: the RFC 7372 replies, a DNS
 * failure never answered with a 5xx, a lookup that is never answered bounded by the budget and
 * made once per session, the PTR-name bound, and each action (reject, score, log) and the skip for
 * trusted clients.
 */
class ReverseDnsCheckTest {
    private static final String MESSAGE = "From: a@sender.test\r\nTo: user@example.test\r\nSubject: hi\r\n\r\nhello\r\n";
    private static ClientCheckDns dns;
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        dns = ClientCheckDns.start();
        gateway = ClientCheckGateway.start(dns, """
                - {name: rdns, type: reverse-dns, timeout: 1s}
                - {name: rdns-skip, type: reverse-dns, timeout: 1s, dns-failure: skip}
                - {name: rdns-ptr, type: reverse-dns, require: ptr}
                - {name: rdns-score, type: reverse-dns, action: score, weight: 5}
                - {name: rdns-log, type: reverse-dns, action: log}
                """, """
                - name: connect
                  bind: 127.0.0.1:0
                  phases: {connect: [rdns]}
                - name: rcpt
                  bind: 127.0.0.1:0
                  phases: {rcpt: [rdns]}
                - name: skip
                  bind: 127.0.0.1:0
                  phases: {rcpt: [rdns-skip]}
                - name: ptr-only
                  bind: 127.0.0.1:0
                  phases: {rcpt: [rdns-ptr]}
                - name: scored
                  bind: 127.0.0.1:0
                  phases: {connect: [rdns-score], reject-score: 5}
                - name: logged
                  bind: 127.0.0.1:0
                  phases: {connect: [rdns-log]}
                - name: trusted
                  bind: 127.0.0.1:0
                  relay: networks
                  relay-networks: [127.0.0.4/32]
                  phases: {connect: [rdns]}
                """);
    }

    @AfterAll
    static void stop() throws Exception {
        Closing.closeAll(gateway, dns);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "127.0.0.2 | 250 2.1.5 Recipient OK",
            "127.0.0.7 | 250 2.1.5 Recipient OK",
            "127.0.0.3 | 550 5.7.25 Client host rejected: cannot find your hostname, [127.0.0.3]",
            "127.0.0.11 | 550 5.7.25 Client host rejected: cannot find your hostname, [127.0.0.11]",
            "127.0.0.4 | 550 5.7.25 Client host rejected: cannot find your reverse hostname, [127.0.0.4]",
            "127.0.0.5 | 450 4.7.25 Client host rejected: cannot find your hostname (DNS lookup failed, try again later), [127.0.0.5]",
            "127.0.0.8 | 450 4.7.25 Client host rejected: cannot find your hostname (DNS lookup failed, try again later), [127.0.0.8]",
    })
    void refusesAtRcptWhatReverseDnsDoesNotConfirm(String client, String reply) throws Exception {
        int queued = gateway.queued().size();
        try (SmtpScript smtp = greet("rcpt", client)) {
            assertThat(rcpt(smtp)).isEqualTo(reply);
            if (reply.startsWith("250")) {
                smtp.send("DATA").expect("354");
                smtp.sendRaw(MESSAGE + ".\r\n").expect("250 2.0.0");
                queued++;
            }
            smtp.send("QUIT").expect("221");
        }
        assertThat(gateway.queued()).hasSize(queued);
    }

    @Test
    void clientWithoutPtrIsRefusedBeforeTheBanner() throws Exception {
        try (SmtpScript smtp = SmtpScript.connectFrom("127.0.0.4", gateway.port("connect"))) {
            assertThat(smtp.readReply()).isEqualTo(
                    "550 5.7.25 Client host rejected: cannot find your reverse hostname, [127.0.0.4]\r\n");
            smtp.expectClosed();
        }
        try (SmtpScript smtp = SmtpScript.connectFrom("127.0.0.2", gateway.port("connect"))) {
            smtp.expect("220 gateway.test");
            smtp.send("EHLO client.example.org").expect("250");
            smtp.sendMessage("a@sender.test", "user@example.test", MESSAGE);
        }
        assertThat(metric("connect", "connect", "rdns", "reject")).isEqualTo(1.0);
        assertThat(gateway.metrics()).contains("portcullis_connections_refused_total{flow=\"connect\",listener=\"connect\","
                + "reason=\"reverse-dns-missing\"} 1.0");
    }

    @Test
    void unansweredLookupIsBoundedAndMadeOncePerSession() throws Exception {
        try (SmtpScript smtp = greet("rcpt", "127.0.0.6")) {
            long start = System.nanoTime();
            assertThat(rcpt(smtp)).startsWith("450 4.7.25 Client host rejected: cannot find your hostname");
            Duration first = Duration.ofNanos(System.nanoTime() - start);
            assertThat(first).as("a PTR lookup that is never answered ends at the 1s budget").isLessThan(Duration.ofSeconds(6));
            assertThat(rcpt(smtp)).startsWith("450 4.7.25");
            smtp.send("QUIT").expect("221");
        }
        assertThat(countMatches(dns.queries(), "query\\[PTR\\] 6\\.0\\.0\\.127\\.in-addr\\.arpa from"))
                .as("the second RCPT reuses the session's lookup").isEqualTo(1);
        try (SmtpScript smtp = greet("skip", "127.0.0.6")) {
            assertThat(rcpt(smtp)).isEqualTo("250 2.1.5 Recipient OK");
            smtp.send("DATA").expect("354");
            smtp.sendRaw(MESSAGE + ".\r\n").expect("250 2.0.0");
        }
        assertThat(metric("skip", "rcpt", "rdns-skip", "skip")).isEqualTo(1.0);
    }

    @Test
    void atMostMaxNamesPtrNamesAreLookedUp() throws Exception {
        int before = countMatches(dns.queries(), "query\\[A\\] name\\d+\\.test from");
        try (SmtpScript smtp = greet("rcpt", "127.0.0.11")) {
            assertThat(rcpt(smtp)).startsWith("550 5.7.25 Client host rejected: cannot find your hostname");
        }
        assertThat(countMatches(dns.queries(), "query\\[A\\] name\\d+\\.test from") - before)
                .as("forward lookups of the client's twelve PTR names").isEqualTo(10);
    }

    @Test
    void requirePtrAcceptsAnUnconfirmedName() throws Exception {
        try (SmtpScript smtp = greet("ptr-only", "127.0.0.3")) {
            assertThat(rcpt(smtp)).isEqualTo("250 2.1.5 Recipient OK");
        }
        try (SmtpScript smtp = greet("ptr-only", "127.0.0.4")) {
            assertThat(rcpt(smtp)).isEqualTo(
                    "550 5.7.25 Client host rejected: cannot find your reverse hostname, [127.0.0.4]");
        }
    }

    @Test
    void scoreReachesTheListenersRejectScore() throws Exception {
        try (SmtpScript smtp = SmtpScript.connectFrom("127.0.0.4", gateway.port("scored"))) {
            assertThat(smtp.readReply()).isEqualTo("554 5.7.1 Service unavailable; refused by policy score\r\n");
            smtp.expectClosed();
        }
        try (SmtpScript smtp = greet("scored", "127.0.0.2")) {
            assertThat(rcpt(smtp)).isEqualTo("250 2.1.5 Recipient OK");
        }
        assertThat(metric("scored", "connect", "rdns-score", "score")).isEqualTo(1.0);
        assertThat(metric("scored", "connect", "reject-score", "disconnect")).isEqualTo(1.0);
    }

    @Test
    void logOnlyAcceptsAndCounts() throws Exception {
        int queued = gateway.queued().size();
        try (SmtpScript smtp = greet("logged", "127.0.0.4")) {
            assertThat(rcpt(smtp)).isEqualTo("250 2.1.5 Recipient OK");
            smtp.send("DATA").expect("354");
            smtp.sendRaw(MESSAGE + ".\r\n").expect("250 2.0.0");
        }
        assertThat(gateway.queued()).hasSize(queued + 1);
        assertThat(metric("logged", "connect", "rdns-log", "warn")).isEqualTo(1.0);
    }

    @Test
    void trustedClientSkipsTheCheck() throws Exception {
        int queued = gateway.queued().size();
        try (SmtpScript smtp = greet("trusted", "127.0.0.4")) {
            assertThat(rcpt(smtp)).isEqualTo("250 2.1.5 Recipient OK");
            smtp.send("DATA").expect("354");
            smtp.sendRaw(MESSAGE + ".\r\n").expect("250 2.0.0");
        }
        assertThat(gateway.queued()).hasSize(queued + 1);
        assertThat(metric("trusted", "connect", "rdns", "filter-skipped")).isEqualTo(1.0);
    }

    private static SmtpScript greet(String listener, String client) throws IOException {
        SmtpScript smtp = SmtpScript.connectFrom(client, gateway.port(listener));
        smtp.expect("220 gateway.test");
        smtp.send("EHLO client.example.org").expect("250 ");
        smtp.send("MAIL FROM:<a@sender.test>").expect("250 2.1.0");
        return smtp;
    }

    private static String rcpt(SmtpScript smtp) throws IOException {
        smtp.send("RCPT TO:<user@example.test>");
        return smtp.readReply().stripTrailing();
    }

    static double metric(String listener, String phase, String check, String result) {
        Matcher m = Pattern.compile(Pattern.quote("portcullis_policy_verdicts_total{check=\"" + check + "\",flow=\""
                + listener + "\",listener=\"" + listener + "\",phase=\"" + phase + "\",result=\"" + result + "\"} ")
                + "(\\S+)").matcher(gateway.metrics());
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    static int countMatches(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        int count = 0;
        while (m.find()) {
            count++;
        }
        return count;
    }
}
