package io.portcullis.policy;

import static io.portcullis.policy.GreylistingTest.GREYLISTED;
import static io.portcullis.policy.GreylistingTest.metric;
import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.auth.PasswordHashes;
import io.portcullis.testing.MutableClock;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Greylisting is a filter: a client the gateway trusts (authenticated, or from a listener's relay
 * networks) or one a check allow-listed for the session (here the {@code lists} check's
 * allow-clients; a DNSWL listing gives the same {@link Verdict.Allow}) is never greylisted, and the
 * skip is counted as {@code result="filter-skipped"}. The same check on the same listeners still
 * greylists everybody else.
 */
class GreylistSkipTest {
    private static final String PASSWORD = "correct horse battery staple";
    private static Path allowClients;
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws IOException {
        allowClients = Files.createTempFile("greylist-allow-clients", ".txt");
        Files.writeString(allowClients, "# internal relays\n127.0.0.5\n");
        String tls = TestGateway.sharedTls().toString();
        gateway = TestGateway.startYaml("""
                hostname: gateway.test
                listeners:
                  - name: inbound
                    bind: 127.0.0.1:0
                    tls: {certificate: %1$s/certificate.pem, key: %1$s/key.pem}
                    phases:
                      connect: [local-lists]
                      rcpt: [greylist]
                  - name: internal
                    flow: outbound
                    bind: 127.0.0.1:0
                    relay: networks
                    relay-networks: [127.0.0.0/8]
                    phases:
                      rcpt: [greylist]
                  - name: submission
                    flow: outbound
                    bind: 127.0.0.1:0
                    auth: {require-tls: false}
                    relay: authenticated
                    phases:
                      rcpt: [greylist]
                users:
                  inline:
                    - {name: alice@example.test, password-hash: "%2$s"}
                domains: [example.test]
                connectors:
                  - {name: internal, type: drop, folder: drop/inbound}
                  - {name: internet, type: drop, folder: drop/outbound}
                routes:
                  - {domains: [example.test], connector: internal}
                  - {domains: ["*"], connector: internet, flows: [outbound, local]}
                delivery:
                  queue-only: true
                phase-checks:
                  - name: local-lists
                    type: lists
                    allow-clients: %3$s
                  - name: greylist
                    type: greylist
                """.formatted(tls, PasswordHashes.hash(PASSWORD.toCharArray(), 4), allowClients), new MutableClock());
    }

    @AfterAll
    static void stop() throws IOException {
        gateway.close();
        Files.deleteIfExists(allowClients);
    }

    private static double skipped(String listener) {
        return metric(gateway.metrics(), "portcullis_policy_verdicts_total", "listener=\"" + listener + "\"",
                "check=\"greylist\"", "result=\"filter-skipped\"");
    }

    @Test
    void aClientFromTheRelayNetworksSkipsGreylisting() throws Exception {
        double before = skipped("internal");
        int queued = gateway.queued().size();
        try (SmtpScript smtp = SmtpScript.connectFrom("127.0.0.7", gateway.port("internal"))) {
            smtp.expect("220").send("EHLO internal.example.test").expect("250 ");
            smtp.sendMessage("alice@example.test", "someone@elsewhere.test", "Subject: out\r\n\r\nhello\r\n");
        }
        assertThat(gateway.queued()).hasSize(queued + 1);
        assertThat(skipped("internal")).isEqualTo(before + 1);
    }

    @Test
    void anAuthenticatedClientSkipsGreylisting() throws Exception {
        double before = skipped("submission");
        int queued = gateway.queued().size();
        try (SmtpScript smtp = SmtpScript.connectFrom("127.0.0.8", gateway.port("submission"))) {
            smtp.expect("220").send("EHLO laptop.example.test").expect("250 ");
            // not authenticated yet: greylisted like anybody
            smtp.send("MAIL FROM:<alice@example.test>").expect("250 2.1.0");
            smtp.send("RCPT TO:<bob@example.test>").expect(GREYLISTED);
            smtp.send("RSET").expect("250 2.0.0");
            smtp.send("AUTH PLAIN " + SmtpScript.plain("", "alice@example.test", PASSWORD)).expect("235 2.7.0");
            smtp.sendMessage("alice@example.test", "someone@elsewhere.test", "Subject: out\r\n\r\nhello\r\n");
        }
        assertThat(gateway.queued()).hasSize(queued + 1);
        assertThat(skipped("submission")).isEqualTo(before + 1);
    }

    @Test
    void aClientAllowListedByAListsCheckSkipsGreylisting() throws Exception {
        double before = skipped("inbound");
        int queued = gateway.queued().size();
        try (SmtpScript smtp = SmtpScript.connectFrom("127.0.0.5", gateway.inboundPort())) {
            smtp.expect("220").send("EHLO relay.partner.test").expect("250 ");
            smtp.sendMessage("someone@partner.test", "bob@example.test", "Subject: in\r\n\r\nhello\r\n");
        }
        assertThat(gateway.queued()).hasSize(queued + 1);
        assertThat(skipped("inbound")).isEqualTo(before + 1);
        // its neighbour in the same /24 is not allow-listed: greylisted, nothing queued
        try (SmtpScript smtp = SmtpScript.connectFrom("127.0.0.6", gateway.inboundPort())) {
            smtp.expect("220").send("EHLO mx.stranger.test").expect("250 ");
            smtp.send("MAIL FROM:<someone@partner.test>").expect("250 2.1.0");
            smtp.send("RCPT TO:<bob@example.test>").expect(GREYLISTED);
        }
        assertThat(gateway.queued()).hasSize(queued + 1);
        assertThat(skipped("inbound")).isEqualTo(before + 1);
    }
}
