package io.portcullis.content;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.config.PemFiles;
import io.portcullis.testing.Closing;
import io.portcullis.testing.Dnsmasq;
import io.portcullis.testing.ScannerDaemon;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Our milter client against opendkim from Debian: on the outbound listener opendkim signs, and the
 * signature it computed from what our client sent (headers as libmilter expects them, body in
 * chunks) verifies with dkimpy, so nothing was altered on the way; on the inbound listener
 * opendkim verifies and its Authentication-Results header is applied.
 */
class MilterInteropTest {
    private static ScannerDaemon opendkim;
    private static Dnsmasq dns;
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        Path directory = Files.createTempDirectory("milter-test");
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair pair = generator.generateKeyPair();
        Path key = directory.resolve("odk.private");
        PemFiles.writePrivateKey(key, pair.getPrivate());
        String record = "v=DKIM1; k=rsa; p=" + Base64.getEncoder().encodeToString(pair.getPublic().getEncoded());
        dns = Dnsmasq.start(Dnsmasq.txtRecord("odk._domainkey.example.test", record));
        opendkim = ScannerDaemon.opendkim("example.test", "odk", key, "outbound", dns.port());
        gateway = TestGateway.startYaml(TestGateway.contentYaml("""
                - name: opendkim
                  type: milter
                  address: %s
                  timeout: 10s
                """.formatted(opendkim.address()), """
                content:
                  chain: [opendkim]
                """, """
                content:
                  chain: [opendkim]
                """));
    }

    @AfterAll
    static void stop() throws Exception {
        Closing.closeAll(gateway, opendkim, dns);
    }

    @Test
    void opendkimSignsOutboundAndVerifiesInboundThroughOurMilterClient() throws Exception {
        String message = "From: Demo <user@example.test>\r\nTo: someone@remote.test\r\nSubject: a folded\r\n"
                + "   subject line\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\nMessage-ID: <odk-1@example.test>\r\n\r\n"
                + "Line one.\r\n\r\n" + "a line of the body, repeated\r\n".repeat(3_000); // more than one milter body chunk
        String stored = send(gateway.port("outbound"), message);
        assertThat(stored).contains("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.test;");
        assertThat(stored).contains("s=odk;");
        assertThat(Dkimpy.verify(stored, dns.port())).containsExactly("rsa-sha256 example.test pass");

        // The same message arriving from the Internet: opendkim verifies it and says so in a header.
        String signed = stored.substring(stored.indexOf("DKIM-Signature:"));
        String inbound = send(gateway.inboundPort(), signed);
        assertThat(inbound).contains("Authentication-Results: portcullis-test;")
                .containsPattern("dkim=pass .*header.d=example.test");
        assertThat(inbound.split("DKIM-Signature:", -1)).hasSize(2); // verified, not signed again

        String tampered = send(gateway.inboundPort(), signed.replace("Line one.", "Line 1."));
        assertThat(tampered).containsPattern("Authentication-Results: portcullis-test;\\s+dkim=fail");
    }

    private static String send(int port, String message) throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(port)) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            String id = smtp.sendMessage("user@example.test", "someone@example.test", message);
            return new String(gateway.message(id), StandardCharsets.ISO_8859_1);
        }
    }
}
