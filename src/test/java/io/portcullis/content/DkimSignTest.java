package io.portcullis.content;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.Closing;
import io.portcullis.testing.Dnsmasq;
import io.portcullis.testing.ScannerDaemon;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Outbound DKIM signing with keys generated at first start, RSA and Ed25519 side by side, after the
 * disclaimer, checked by dkimpy (Debian python3-dkim) fetching the published records from dnsmasq.
 */
class DkimSignTest {
    private static TestGateway gateway;
    private static Dnsmasq dns;

    @BeforeAll
    static void start() throws Exception {
        gateway = TestGateway.startYaml(TestGateway.contentYaml("""
                - name: disclaimer
                  type: disclaimer
                  text: Sent through the signing gateway.
                - name: dkim
                  type: dkim-sign
                  keys:
                    - {domain: example.test, selector: rsa1, algorithm: rsa-sha256}
                    - {domain: example.test, selector: ed1, algorithm: ed25519-sha256}
                """, "", """
                content:
                  chain: [disclaimer, dkim]
                """));
        List<String> records = new ArrayList<>();
        try (var files = Files.list(gateway.dataDirectory().resolve("dkim"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".txt")).toList()) {
                String name = file.getFileName().toString().replaceAll("\\.(rsa|ed25519)\\.txt$", "");
                records.add(Dnsmasq.txtRecord(name, Files.readString(file).strip()));
            }
        }
        assertThat(records).hasSize(2);
        dns = Dnsmasq.start(records.toArray(String[]::new));
    }

    @AfterAll
    static void stop() throws Exception {
        Closing.closeAll(dns, gateway);
    }

    @Test
    void signaturesOfBothAlgorithmsVerifyWithDkimpy() throws Exception {
        String message = "From: Demo User <user@example.test>\r\nTo: someone@remote.test\r\nCc: a@remote.test,\r\n"
                + "  b@remote.test\r\nSubject:   spaced    out   subject  \r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\n"
                + "Message-ID: <dkim-1@example.test>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n"
                + "Hello  with   runs of\tspace   \r\nand trailing blanks\t \r\n\r\n\r\n";
        String id = send(message);
        String stored = new String(gateway.message(id), StandardCharsets.ISO_8859_1);
        assertThat(stored).startsWith("DKIM-Signature: v=1; a=");
        assertThat(stored.split("Sent through the signing gateway.", -1)).hasSize(2); // the disclaimer, once, signed
        assertThat(verify(stored)).containsExactlyInAnyOrder("rsa-sha256 example.test pass",
                "ed25519-sha256 example.test pass");
    }

    /** opendkim (Debian) as a verifying milter on a second gateway's inbound listener. */
    @Test
    void opendkimVerifiesBothSignaturesToo() throws Exception {
        Path key = Files.createTempFile("opendkim-unused", ".pem"); // opendkim wants a signing key even to verify
        java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        io.portcullis.config.PemFiles.writePrivateKey(key, generator.generateKeyPair().getPrivate());
        String signed = new String(gateway.message(send("From: user@example.test\r\nTo: someone@remote.test\r\n"
                + "Subject: verify me\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\n\r\nHello.\r\n")), StandardCharsets.ISO_8859_1);
        try (ScannerDaemon opendkim = ScannerDaemon.opendkim("other.test", "unused", key, "no-such-listener", dns.port());
             TestGateway receiver = TestGateway.startYaml(TestGateway.contentYaml("""
                     - name: opendkim
                       type: milter
                       address: %s
                     """.formatted(opendkim.address()), """
                     content:
                       chain: [opendkim]
                     """, ""));
             SmtpScript smtp = receiver.connect()) {
            smtp.expect("220").send("EHLO mail.example.test").expect("250 ");
            String id = smtp.sendMessage("user@example.test", "someone@example.test", signed);
            String verified = new String(receiver.message(id), StandardCharsets.ISO_8859_1).replaceAll("\r\n\\s+", " ");
            assertThat(verified).containsPattern("dkim=pass (\\([^)]*\\) )?header.d=example.test header.i=@example.test header.a=rsa-sha256")
                    .containsPattern("dkim=pass (\\([^)]*\\) )?header.d=example.test header.i=@example.test header.a=ed25519-sha256");
        }
    }

    @Test
    void aChangedBodyFailsVerification() throws Exception {
        String id = send("From: user@example.test\r\nTo: someone@remote.test\r\nSubject: x\r\n\r\npay 100 EUR\r\n");
        String tampered = new String(gateway.message(id), StandardCharsets.ISO_8859_1).replace("100 EUR", "900 EUR");
        assertThat(verify(tampered)).containsExactlyInAnyOrder("rsa-sha256 example.test fail",
                "ed25519-sha256 example.test fail");
    }

    @Test
    void mailFromAnotherDomainIsNotSigned() throws Exception {
        String id = send("From: someone@elsewhere.test\r\nSubject: x\r\n\r\nhi\r\n");
        assertThat(new String(gateway.message(id), StandardCharsets.ISO_8859_1)).doesNotContain("DKIM-Signature");
    }

    private static String send(String message) throws Exception {
        try (SmtpScript smtp = SmtpScript.connect(gateway.port("outbound"))) {
            smtp.expect("220").send("EHLO internal.example.test").expect("250 ");
            return smtp.sendMessage("user@example.test", "someone@remote.test", message);
        }
    }

    private static List<String> verify(String message) throws Exception {
        return Dkimpy.verify(message, dns.port());
    }
}
