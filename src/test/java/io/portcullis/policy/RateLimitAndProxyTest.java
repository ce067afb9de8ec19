package io.portcullis.policy;

import static io.portcullis.testing.SmtpScript.plain;
import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.auth.PasswordHashes;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Rate limits per client address and per user, and the PROXY protocol (v1 and v2) from trusted proxies only. */
class RateLimitAndProxyTest {
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        String hash = PasswordHashes.hash("pw".toCharArray(), 4);
        gateway = TestGateway.startYaml("""
                hostname: gateway.test
                listeners:
                  - name: connections
                    bind: 127.0.0.1:0
                    rate-limits: {connections-per-minute-per-ip: 2}
                  - name: messages
                    bind: 127.0.0.1:0
                    rate-limits: {messages-per-hour-per-ip: 2, recipients-per-hour-per-ip: 3}
                  - name: users
                    bind: 127.0.0.1:0
                    auth: {require-tls: false}
                    relay: authenticated
                    rate-limits: {messages-per-hour-per-user: 1}
                  - name: proxied
                    bind: 127.0.0.1:0
                    proxy-protocol-from: [127.0.0.0/8]
                    access: {deny: [192.0.2.66/32]}
                  - name: untrusted
                    bind: 127.0.0.1:0
                    proxy-protocol-from: [10.0.0.0/8]
                users:
                  inline:
                    - {name: alice@example.test, password-hash: "%1$s"}
                    - {name: bob@example.test, password-hash: "%1$s"}
                domains: [example.test]
                connectors: [{name: internal, type: drop, folder: drop/inbound}]
                routes: [{domains: ["*"], connector: internal}]
                delivery: {queue-only: true}
                """.formatted(hash));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    @Test
    void connectionRatePerAddress() throws Exception {
        for (int i = 0; i < 2; i++) {
            try (SmtpScript smtp = SmtpScript.connect(gateway.port("connections"))) {
                smtp.expect("220");
            }
        }
        try (SmtpScript smtp = SmtpScript.connect(gateway.port("connections"))) {
            smtp.expect("421 4.7.0");
            smtp.expectClosed();
        }
    }

    @Test
    void messageAndRecipientRatesPerAddress() throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(gateway.port("messages"))) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            smtp.send("MAIL FROM:<a@example.org>").expect("250 2.1.0");
            smtp.send("RCPT TO:<one@example.test>").expect("250 2.1.5");
            smtp.send("RCPT TO:<two@example.test>").expect("250 2.1.5");
            smtp.send("RCPT TO:<three@example.test>").expect("250 2.1.5");
            smtp.send("RCPT TO:<four@example.test>").expect("452 4.7.1");
            smtp.send("RSET").expect("250 2.0.0");
            smtp.send("MAIL FROM:<a@example.org>").expect("250 2.1.0");
            smtp.send("RSET").expect("250 2.0.0");
            smtp.send("MAIL FROM:<a@example.org>").expect("450 4.7.1");
        }
    }

    @Test
    void messageRatePerUser() throws Exception {
        for (String user : new String[] {"alice@example.test", "bob@example.test"}) {
            try (SmtpScript smtp = SmtpScript.connect(gateway.port("users"))) {
                smtp.expect("220").send("EHLO client.test").expect("250 ");
                smtp.send("AUTH PLAIN " + plain("", user, "pw")).expect("235");
                smtp.send("MAIL FROM:<" + user + ">").expect("250 2.1.0");
                smtp.send("RSET").expect("250 2.0.0");
                smtp.send("MAIL FROM:<" + user + ">").expect("450 4.7.1");
            }
        }
    }

    private static String proxiedMessage(byte[] header) throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(gateway.port("proxied"))) {
            smtp.sendRaw(header).expect("220").send("EHLO client.test").expect("250 ");
            return smtp.sendMessage("a@example.org", "b@example.test", "Subject: via proxy\r\n\r\nx\r\n");
        }
    }

    @Test
    void proxyV1NamesTheRealClient() throws Exception {
        String id = proxiedMessage("PROXY TCP4 198.51.100.7 127.0.0.1 40000 25\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(gateway.envelope(id).client().address()).isEqualTo("198.51.100.7");
        assertThat(new String(gateway.message(id), StandardCharsets.UTF_8)).startsWith("Received: from client.test ([198.51.100.7])");
        try (SmtpScript smtp = SmtpScript.connect(gateway.port("proxied"))) {
            smtp.sendRaw("PROXY TCP4 192.0.2.66 127.0.0.1 40000 25\r\n").expect("554 5.7.1");
        }
    }

    @Test
    void proxyV2NamesTheRealClientInIpv4AndIpv6() throws Exception {
        byte[] v4 = v2(0x11, new byte[] {(byte) 203, 0, 113, 9, 127, 0, 0, 1, (byte) 0x9c, 0x40, 0, 25});
        assertThat(gateway.envelope(proxiedMessage(v4)).client().address()).isEqualTo("203.0.113.9");
        byte[] block = new byte[36];
        block[0] = 0x20;
        block[1] = 0x01;
        block[2] = 0x0d;
        block[3] = (byte) 0xb8;
        block[15] = 0x05;
        block[33] = 25;
        assertThat(gateway.envelope(proxiedMessage(v2(0x21, block))).client().address()).isEqualTo("2001:db8:0:0:0:0:0:5");
    }

    @Test
    void untrustedProxiesAndMalformedHeadersAreCutOff() throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(gateway.port("untrusted"))) {
            smtp.sendRaw("PROXY TCP4 198.51.100.7 127.0.0.1 40000 25\r\n");
            smtp.expectClosed();
        }
        try (SmtpScript smtp = SmtpScript.connect(gateway.port("proxied"))) {
            smtp.sendRaw("EHLO not-a-proxy-header.test\r\n");
            smtp.expectClosed();
        }
        try (SmtpScript smtp = SmtpScript.connect(gateway.port("proxied"))) {
            smtp.sendRaw("PROXY TCP4 not.an.ip 127.0.0.1 1 2\r\n");
            smtp.expectClosed();
        }
    }

    private static byte[] v2(int family, byte[] addresses) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x21, (byte) family,
            0, (byte) addresses.length});
        out.writeBytes(addresses);
        return out.toByteArray();
    }
}
