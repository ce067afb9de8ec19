package io.portcullis.content.authentication;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.content.ContentChain;
import io.portcullis.testing.Closing;
import io.portcullis.testing.Dnsmasq;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Red-team finding F5: an Authentication-Results field that claims our authserv-id
 * (gateway.test) in any spelling RFC 8601 §2.2 allows (comments before it, nested or with
 * quoted-pairs; the quoted-string form; any case; a version after it; folded; white space before
 * the colon; a root dot) is removed, as is one whose authserv-id cannot be read at all; fields of
 * other authserv-ids stay, even when a comment names ours. Also when the check fails open.
 */
class ForgedAuthenticationResultsTest {
    private static final String OTHERS = "Authentication-Results: mx.partner.test; spf=pass\r\n"
            + "Authentication-Results: (gateway.test) mx.partner.test; dkim=pass\r\n"
            + "Authentication-Results: gateway.test.partner.test; dkim=pass\r\n";

    private static Dnsmasq dns;
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        dns = Dnsmasq.start();
        gateway = TestGateway.startYaml(TestGateway.contentYaml("""
                - name: auth
                  type: authentication
                """, """
                content:
                  chain: [auth]
                """, "").replace("  queue-only: true\n", "  queue-only: true\n  dns-resolver: 127.0.0.1:" + dns.port() + "\n"));
    }

    @AfterAll
    static void stop() throws Exception {
        Closing.closeAll(gateway, dns);
    }

    private static String message(String forged) {
        return forged + OTHERS + "From: Someone <someone@remote.test>\r\nTo: user@example.test\r\nSubject: hello\r\n"
                + "Date: Sat, 28 Nov 2026 10:00:00 +0000\r\nMessage-ID: <ar-" + System.nanoTime() + "@remote.test>\r\n"
                + forged + "\r\nAuthentication-Results: gateway.test; dmarc=pass header.from=body.test\r\n";
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "Authentication-Results: gateway.test; dmarc=pass header.from=bank.test",
        "Authentication-Results: (trusted) gateway.test; dmarc=pass header.from=bank.test",
        "Authentication-Results: \"gateway.test\"; dmarc=pass header.from=bank.test",
        "Authentication-Results: ( (nested) comment ) GATEWAY.Test ; dmarc=pass header.from=bank.test",
        "Authentication-Results: (a \\) b \\( c) gateway.test; dmarc=pass header.from=bank.test",
        "Authentication-Results: gateway.test 1; dmarc=pass header.from=bank.test",
        "Authentication-Results: gateway.test(comment); dmarc=pass header.from=bank.test",
        "Authentication-Results: \"gate\\way.test\"; dmarc=pass header.from=bank.test",
        "Authentication-Results: \" gateway.test \"; dmarc=pass header.from=bank.test",
        "Authentication-Results: gateway.test.; dmarc=pass header.from=bank.test",
        "Authentication-Results:\r\n\t(trusted)\r\n gateway.test;\r\n\tdmarc=pass header.from=bank.test",
        "authentication-results : gateway.test; dmarc=pass header.from=bank.test",
        "AUTHENTICATION-RESULTS\t:\t\"GATEWAY.TEST\" 1; dmarc=pass header.from=bank.test",
        "Authentication-Results: (unterminated gateway.test; dmarc=pass header.from=bank.test",
        "Authentication-Results: \"gateway.test; dmarc=pass header.from=bank.test",
        "Authentication-Results: ; dmarc=pass header.from=bank.test",
    })
    void resultsClaimingOurAuthservIdAreRemoved(String forged) throws Exception {
        String stored = send(gateway, message(forged + "\r\n"));
        String header = stored.substring(0, stored.indexOf("\r\n\r\n") + 2);
        assertThat(header).doesNotContain("bank.test");
        assertThat(header).startsWith("Authentication-Results: gateway.test; spf=");
        assertThat(header.split("Authentication-Results: gateway.test;", -1)).hasSize(2);
        assertThat(header).contains(OTHERS);
        assertThat(stored).endsWith("\r\n\r\nAuthentication-Results: gateway.test; dmarc=pass header.from=body.test\r\n");
    }

    /**
     * The check cannot decide in time (a DNS server that never answers, a 1-second step budget)
     * and fails open: the forged results go all the same.
     */
    @Test
    void forgedResultsAreRemovedWhenTheCheckFailsOpen() throws Exception {
        try (DatagramSocket silentDns = new DatagramSocket(0, InetAddress.getLoopbackAddress());
             TestGateway failing = TestGateway.startYaml(TestGateway.contentYaml("""
                     - name: auth
                       type: authentication
                     """, """
                     content:
                       chain:
                         - check: auth
                           timeout: 1s
                           on-failure: fail-open
                     """, "").replace("  queue-only: true\n",
                     "  queue-only: true\n  dns-resolver: 127.0.0.1:" + silentDns.getLocalPort() + "\n"))) {
            String stored = send(failing, message("Authentication-Results: (trusted) gateway.test; dmarc=pass header.from=bank.test\r\n"));
            String header = stored.substring(0, stored.indexOf("\r\n\r\n") + 2);
            assertThat(header).startsWith(ContentChain.SKIPPED_HEADER + ": auth (timeout)\r\n");
            assertThat(header).doesNotContain("bank.test").doesNotContain("gateway.test;");
            assertThat(header).contains(OTHERS);
        }
    }

    private static String send(TestGateway target, String message) throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(target.inboundPort())) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            String id = smtp.transaction("someone@remote.test", "user@example.test", message, "250 2.0.0");
            String stored = new String(target.message(id), StandardCharsets.UTF_8);
            assertThat(target.envelope(id).size()).isEqualTo(stored.getBytes(StandardCharsets.UTF_8).length);
            return stored;
        }
    }
}
