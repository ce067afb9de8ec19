package io.portcullis.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.auth.PasswordHashes;
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
 * The helo check: EHLO/HELO names that are no FQDN or a bare IP, names and addresses that are
 * ours, and (with require-resolvable) names DNS does not know, served by dnsmasq
 * ({@link ClientCheckDns}). A refused EHLO leaves the client ungreeted; trusted clients (relay
 * networks, authenticated) skip the check; score and log actions.
 */
class HeloCheckTest {
    private static final String PASSWORD = "helo check password";
    private static ClientCheckDns dns;
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        dns = ClientCheckDns.start();
        String yaml = ClientCheckGateway.yaml(dns, """
                - name: helo-check
                  type: helo
                  our-names: [alias.test]
                  our-addresses: [192.0.2.53]
                - {name: helo-resolvable, type: helo, require-fqdn: false, reject-our-names: false,
                   require-resolvable: true, timeout: 1s}
                - {name: helo-score, type: helo, action: score, weight: 5}
                - {name: helo-log, type: helo, action: log}
                """, """
                - name: helo
                  bind: 127.0.0.1:0
                  phases: {helo: [helo-check]}
                - name: other
                  hostname: mx2.other.test
                  bind: 127.0.0.1:0
                - name: resolvable
                  bind: 127.0.0.1:0
                  phases: {helo: [helo-resolvable]}
                - name: at-rcpt
                  bind: 127.0.0.1:0
                  auth: {require-tls: false}
                  relay: authenticated
                  phases: {rcpt: [helo-check]}
                - name: trusted
                  bind: 127.0.0.1:0
                  relay: networks
                  relay-networks: [127.0.0.20/32]
                  phases: {helo: [helo-check]}
                - name: scored
                  bind: 127.0.0.1:0
                  phases: {helo: [helo-score], reject-score: 5}
                - name: logged
                  bind: 127.0.0.1:0
                  phases: {helo: [helo-log]}
                """) + """
                users:
                  inline:
                    - {name: user@example.test, password-hash: "%s"}
                """.formatted(PasswordHashes.hash(PASSWORD.toCharArray(), 4));
        gateway = TestGateway.startYaml(yaml);
    }

    @AfterAll
    static void stop() throws Exception {
        Closing.closeAll(gateway, dns);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "EHLO client.example.org | 250 ",
            "EHLO [192.0.2.1] | 250 ",
            "HELO client.example.org | 250 ",
            "EHLO localhost | 550 5.5.2 Helo command rejected: need fully-qualified hostname",
            "HELO localhost | 550 5.5.2 Helo command rejected: need fully-qualified hostname",
            "EHLO host.123 | 550 5.5.2 Helo command rejected: need fully-qualified hostname",
            "EHLO 192.0.2.1 | 550 5.5.2 Helo command rejected: invalid ip address",
            "EHLO 127.0.0.1 | 550 5.5.2 Helo command rejected: invalid ip address",
            "EHLO gateway.test | 550 5.7.1 Helo command rejected: you are not me",
            "EHLO GATEWAY.Test | 550 5.7.1 Helo command rejected: you are not me",
            "EHLO example.test | 550 5.7.1 Helo command rejected: you are not me",
            "EHLO mx2.other.test | 550 5.7.1 Helo command rejected: you are not me",
            "EHLO alias.test | 550 5.7.1 Helo command rejected: you are not me",
            "EHLO [127.0.0.1] | 550 5.7.1 Helo command rejected: you are not me",
            "EHLO [192.0.2.53] | 550 5.7.1 Helo command rejected: you are not me",
            "EHLO [IPv6:::1] | 550 5.7.1 Helo command rejected: you are not me",
    })
    void checksTheHeloName(String command, String reply) throws Exception {
        int queued = gateway.queued().size();
        try (SmtpScript smtp = connect("helo", "127.0.0.2")) {
            smtp.send(command);
            String answer = smtp.readReply();
            assertThat(answer.substring(answer.lastIndexOf('\n', answer.length() - 3) + 1).stripTrailing() + " ")
                    .startsWith(reply);
            if (reply.startsWith("550")) {
                smtp.send("MAIL FROM:<a@sender.test>").expect("503 5.5.1");
            } else {
                smtp.send("MAIL FROM:<a@sender.test>").expect("250 2.1.0");
            }
        }
        assertThat(gateway.queued()).hasSize(queued);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "resolvable.test | 250 ",
            "mxonly.test | 250 ",
            "[192.0.2.1] | 250 ",
            "unknown.test | 550 5.7.1 Helo command rejected: host not found",
            "txtonly.test | 550 5.7.1 Helo command rejected: host not found",
            "broken.test | 450 4.7.1 Helo command rejected: host lookup failed, try again later",
            "slow.test | 450 4.7.1 Helo command rejected: host lookup failed, try again later",
    })
    void requireResolvableLooksTheNameUp(String name, String reply) throws Exception {
        try (SmtpScript smtp = connect("resolvable", "127.0.0.2")) {
            long start = System.nanoTime();
            smtp.send("EHLO " + name);
            String answer = smtp.readReply();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("within the 1s budget and a margin")
                    .isLessThan(Duration.ofSeconds(6));
            assertThat(answer.substring(answer.lastIndexOf('\n', answer.length() - 3) + 1).stripTrailing() + " ")
                    .startsWith(reply);
        }
    }

    @Test
    void namedAtRcptRefusesThereAndSkipsAuthenticatedClients() throws Exception {
        try (SmtpScript smtp = connect("at-rcpt", "127.0.0.2")) {
            smtp.send("EHLO localhost").expect("250 ");
            smtp.send("MAIL FROM:<a@sender.test>").expect("250 2.1.0");
            smtp.send("RCPT TO:<user@example.test>");
            assertThat(smtp.readReply()).isEqualTo("550 5.5.2 Helo command rejected: need fully-qualified hostname\r\n");
        }
        try (SmtpScript smtp = connect("at-rcpt", "127.0.0.2")) {
            smtp.send("EHLO localhost").expect("250 ");
            smtp.send("AUTH PLAIN " + SmtpScript.plain("", "user@example.test", PASSWORD)).expect("235 2.7.0");
            smtp.send("MAIL FROM:<user@example.test>").expect("250 2.1.0");
            smtp.send("RCPT TO:<user@example.test>").expect("250 2.1.5");
        }
        assertThat(metric("at-rcpt", "helo-check", "filter-skipped")).isEqualTo(1.0);
    }

    @Test
    void relayNetworkClientSkipsTheCheck() throws Exception {
        int queued = gateway.queued().size();
        try (SmtpScript smtp = connect("trusted", "127.0.0.20")) {
            smtp.send("EHLO localhost").expect("250 ");
            smtp.sendMessage("a@sender.test", "user@example.test", "Subject: hi\r\n\r\nhello\r\n");
        }
        assertThat(metric("trusted", "helo-check", "filter-skipped")).isEqualTo(1.0);
        assertThat(gateway.queued()).hasSize(queued + 1);
    }

    @Test
    void scoreAndLogActions() throws Exception {
        try (SmtpScript smtp = connect("scored", "127.0.0.2")) {
            smtp.send("EHLO localhost");
            assertThat(smtp.readReply()).isEqualTo("554 5.7.1 Service unavailable; refused by policy score\r\n");
        }
        try (SmtpScript smtp = connect("logged", "127.0.0.2")) {
            smtp.send("EHLO localhost").expect("250 ");
            smtp.send("MAIL FROM:<a@sender.test>").expect("250 2.1.0");
        }
        assertThat(metric("scored", "helo-score", "score")).isEqualTo(1.0);
        assertThat(metric("logged", "helo-log", "warn")).isEqualTo(1.0);
    }

    private static SmtpScript connect(String listener, String client) throws IOException {
        SmtpScript smtp = SmtpScript.connectFrom(client, gateway.port(listener));
        smtp.expect("220 ");
        return smtp;
    }

    private static double metric(String listener, String check, String result) {
        Matcher m = Pattern.compile("portcullis_policy_verdicts_total\\{check=\"" + check + "\",flow=\"" + listener
                + "\",listener=\"" + listener + "\",phase=\"\\w+\",result=\"" + result + "\"} (\\S+)").matcher(gateway.metrics());
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }
}
