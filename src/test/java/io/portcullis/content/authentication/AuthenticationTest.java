package io.portcullis.content.authentication;

import static org.assertj.core.api.Assertions.assertThat;

import io.portcullis.testing.Closing;
import io.portcullis.testing.Dnsmasq;
import io.portcullis.testing.ExternalProgram;
import io.portcullis.testing.SmtpScript;
import io.portcullis.testing.TestGateway;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SPF, DKIM and DMARC on the inbound listener. Messages are signed by dkimpy's dkimsign (Debian
 * python3-dkim) with keys from its dknewkey, so our verifier meets signatures it did not make;
 * every record comes from dnsmasq on loopback.
 */
class AuthenticationTest {
    private static Path keys;
    private static Dnsmasq dns;
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        ExternalProgram.require("dkimsign", "python3-dkim");
        keys = Files.createTempDirectory("dkim-keys");
        List<String> records = new ArrayList<>();
        for (String[] key : new String[][] {{"rsa", "rsa"}, {"ed", "ed25519"}}) {
            ExternalProgram.Result made = ExternalProgram.run(Duration.ofSeconds(60), "/usr/bin/python3", "/usr/bin/dknewkey",
                    "--ktype", key[1], keys.resolve(key[0]).toString());
            assertThat(made.exitCode()).as(made.output()).isZero();
            records.add(Dnsmasq.txtRecord(key[0] + "._domainkey.signed.test", Files.readString(keys.resolve(key[0] + ".dns")).strip()));
        }
        records.add(Dnsmasq.txtRecord("signed.test", "v=spf1 ip4:127.0.0.1 -all"));
        records.add(Dnsmasq.txtRecord("_dmarc.signed.test", "v=DMARC1; p=reject"));
        records.add(Dnsmasq.txtRecord("forged.test", "v=spf1 -all"));
        records.add(Dnsmasq.txtRecord("_dmarc.forged.test", "v=DMARC1; p=reject"));
        records.add(Dnsmasq.txtRecord("_dmarc.relaxed.test", "v=DMARC1; p=reject; sp=none"));
        records.add(Dnsmasq.txtRecord("sub.relaxed.test", "v=spf1 -all"));
        records.add(Dnsmasq.txtRecord("held.test", "v=spf1 -all"));
        records.add(Dnsmasq.txtRecord("_dmarc.held.test", "v=DMARC1; p=quarantine"));
        dns = Dnsmasq.start(records.toArray(String[]::new));
        String yaml = TestGateway.contentYaml("""
                - name: auth
                  type: authentication
                  dmarc-reject: true
                  dmarc-quarantine: true
                """, """
                content:
                  chain: [auth]
                """, "").replace("  queue-only: true\n", "  queue-only: true\n  dns-resolver: 127.0.0.1:" + dns.port() + "\n");
        gateway = TestGateway.startYaml(yaml);
    }

    @AfterAll
    static void stop() throws Exception {
        Closing.closeAll(gateway, dns);
    }

    private static String message(String from) {
        return "From: Someone <" + from + ">\r\nTo: user@example.test\r\nSubject: hello there\r\n"
                + "Date: Sat, 28 Nov 2026 10:00:00 +0000\r\nMessage-ID: <" + System.nanoTime() + "@test>\r\n\r\n"
                + "Hello,\r\n\r\nthis is signed.  \r\n\r\n";
    }

    private static String sign(String message, String selector, String algorithm) throws Exception {
        ExternalProgram.Result result = ExternalProgram.run(Duration.ofSeconds(30),
                message.getBytes(StandardCharsets.US_ASCII), "/usr/bin/python3", "/usr/bin/dkimsign", "--signalg",
                algorithm, selector, "signed.test", keys.resolve(selector + ".key").toString());
        String signed = result.output();
        assertThat(result.exitCode()).as(signed).isZero();
        assertThat(signed).startsWith("DKIM-Signature:");
        return signed.replaceAll("(?<!\r)\n", "\r\n"); // dkimsign writes the header with bare LF folding
    }

    private static String results(String stored) {
        String top = stored.substring(0, stored.indexOf("\r\nReceived: "));
        return top.replaceAll("\r\n\\s+", " ");
    }

    @Test
    void passesRsaSignedMailFromAnSpfAuthorisedSender() throws Exception {
        String stored = send("user@signed.test", sign(message("user@signed.test"), "rsa", "rsa-sha256"), "250");
        assertThat(results(stored)).startsWith("Authentication-Results: gateway.test; spf=pass smtp.mailfrom=user@signed.test;"
                        + " dkim=pass header.d=signed.test header.s=rsa header.a=rsa-sha256 header.b=")
                .endsWith("; dmarc=pass (p=reject dis=none) header.from=signed.test");
    }

    @Test
    void passesEd25519SignaturesAndRefusesRsaSha1() throws Exception {
        String ed = results(send("bounce@elsewhere.test", sign(message("user@signed.test"), "ed", "ed25519-sha256"), "250"));
        assertThat(ed).contains("spf=none smtp.mailfrom=bounce@elsewhere.test;")
                .contains("dkim=pass header.d=signed.test header.s=ed header.a=ed25519-sha256")
                .contains("dmarc=pass (p=reject dis=none) header.from=signed.test");
        String sha1 = results(send("user@signed.test", sign(message("user@signed.test"), "rsa", "rsa-sha1"), "250"));
        assertThat(sha1).contains("dkim=permerror (algorithm not accepted)").contains("dmarc=pass"); // SPF still aligns
    }

    @Test
    void refusesATamperedMessageUnderPReject() throws Exception {
        String signed = sign(message("user@signed.test"), "rsa", "rsa-sha256").replace("this is signed.", "this is changed.");
        send("bounce@elsewhere.test", signed, "550 5.7.1 Message rejected: it fails the DMARC policy (p=reject) of signed.test");
        send("someone@forged.test", message("ceo@forged.test"), "550 5.7.1");
        assertThat(gateway.metrics()).contains("reason=\"dmarc\"");
    }

    @Test
    void appliesTheSubdomainPolicyAndQuarantine() throws Exception {
        String relaxed = results(send("a@sub.relaxed.test", message("a@sub.relaxed.test"), "250"));
        assertThat(relaxed).contains("spf=fail").contains("dkim=none").contains("dmarc=fail (p=reject dis=none) header.from=sub.relaxed.test");
        String id = sendForId("a@held.test", message("a@held.test"));
        assertThat(gateway.quarantine().entry(id).reason()).isEqualTo("dmarc: held.test p=quarantine");
        assertThat(gateway.queued()).doesNotContain(id); // held apart from the delivery queue
    }

    @Test
    void removesResultsForgedUnderOurNameAndKeepsOthers() throws Exception {
        String message = "Authentication-Results: gateway.test; dkim=pass header.d=bank.test\r\n"
                + "Authentication-Results: mx.partner.test; spf=pass\r\n" + message("user@signed.test");
        String stored = send("user@signed.test", message, "250");
        assertThat(stored.split("Authentication-Results: gateway.test;", -1)).hasSize(2);
        assertThat(stored).doesNotContain("bank.test").contains("Authentication-Results: mx.partner.test; spf=pass");
    }

    private static String send(String sender, String message, String reply) throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            String id = smtp.transaction(sender, "user@example.test", message, reply);
            return id == null ? null : new String(gateway.message(id), StandardCharsets.ISO_8859_1);
        }
    }

    private static String sendForId(String sender, String message) throws Exception {
        try (SmtpScript smtp = gateway.connect()) {
            smtp.expect("220").send("EHLO client.test").expect("250 ");
            return smtp.sendMessage(sender, "user@example.test", message);
        }
    }
}
